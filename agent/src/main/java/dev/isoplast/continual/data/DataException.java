package dev.isoplast.continual.data;

/**
 * Data that is missing, truncated or not in the expected format. The message is one line that says
 * what is wrong with which file and how to get good data; being an {@link IllegalArgumentException}
 * (bad input, not a failure while running), the CLI reports it with exit code 2.
 */
public final class DataException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public DataException(String message) {
    super(message);
  }

  public DataException(String message, Throwable cause) {
    super(message, cause);
  }
}
