package dev.isoplast.envs.remote;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A failure reported by (or on the way to) an env server. This class is the one place where gRPC
 * status codes become typed Java exceptions; each subtype names the code it stands for, and the
 * message carries the server's description.
 */
public class EnvException extends RuntimeException {

  private final Status.Code code;

  protected EnvException(Status.Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The gRPC status code behind this failure. */
  public Status.Code code() {
    return code;
  }

  /**
   * INVALID_ARGUMENT: unknown env id, bad kwarg, wrong action shape or dtype, out-of-space or non-finite values, bad
   * dynamics, a state (loadState) that is altered, of another env or size, or signed with another server key.
   */
  public static final class InvalidArgument extends EnvException {
    InvalidArgument(String m, Throwable c) {
      super(Status.Code.INVALID_ARGUMENT, m, c);
    }
  }

  /** NOT_FOUND: the handle is unknown, closed, or was reaped for idleness. */
  public static final class HandleNotFound extends EnvException {
    HandleNotFound(String m, Throwable c) {
      super(Status.Code.NOT_FOUND, m, c);
    }
  }

  /** FAILED_PRECONDITION: a step before the first reset. */
  public static final class NotReset extends EnvException {
    NotReset(String m, Throwable c) {
      super(Status.Code.FAILED_PRECONDITION, m, c);
    }
  }

  /** RESOURCE_EXHAUSTED: too many envs or handles, or a message above the size limit. */
  public static final class ResourceExhausted extends EnvException {
    ResourceExhausted(String m, Throwable c) {
      super(Status.Code.RESOURCE_EXHAUSTED, m, c);
    }
  }

  /** UNAUTHENTICATED: the server needs a token and none, or a wrong one, was sent. */
  public static final class Unauthenticated extends EnvException {
    Unauthenticated(String m, Throwable c) {
      super(Status.Code.UNAUTHENTICATED, m, c);
    }
  }

  /** INTERNAL: the environment raised; the server closed that handle. */
  public static final class EnvCrashed extends EnvException {
    EnvCrashed(String m, Throwable c) {
      super(Status.Code.INTERNAL, m, c);
    }
  }

  /** UNAVAILABLE or DEADLINE_EXCEEDED: the server cannot be reached (not started, or died). */
  public static final class ServerUnavailable extends EnvException {
    ServerUnavailable(String m, Throwable c) {
      super(Status.Code.UNAVAILABLE, m, c);
    }
  }

  /** Any other status. */
  public static final class Other extends EnvException {
    Other(Status.Code code, String m, Throwable c) {
      super(code, m, c);
    }
  }

  /**
   * The same failure, of the same type, with {@code context} in front of its message: which part
   * of a {@link SplitVectorEnv} (its envs and server) the server's message speaks of.
   */
  EnvException withContext(String context) {
    String m = context + ": " + getMessage();
    Throwable c = getCause() != null ? getCause() : this;
    if (this instanceof InvalidArgument) {
      return new InvalidArgument(m, c);
    } else if (this instanceof HandleNotFound) {
      return new HandleNotFound(m, c);
    } else if (this instanceof NotReset) {
      return new NotReset(m, c);
    } else if (this instanceof ResourceExhausted) {
      return new ResourceExhausted(m, c);
    } else if (this instanceof Unauthenticated) {
      return new Unauthenticated(m, c);
    } else if (this instanceof EnvCrashed) {
      return new EnvCrashed(m, c);
    } else if (this instanceof ServerUnavailable) {
      return new ServerUnavailable(m, c);
    }
    return new Other(code, m, c);
  }

  /**
   * Maps a failed call to its typed exception.
   *
   * @param call what was being done, e.g. {@code "Step(handle h3)"}
   * @param server the server's address, named in unreachability messages
   * @param hint extra text for unreachability (e.g. where the server's log is), may be empty
   */
  public static EnvException from(StatusRuntimeException e, String call, String server, String hint) {
    Status s = e.getStatus();
    String desc = s.getDescription() == null ? s.getCode().name() : s.getDescription();
    String m = call + " failed: " + desc;
    return switch (s.getCode()) {
      case INVALID_ARGUMENT -> new InvalidArgument(m, e);
      case NOT_FOUND -> new HandleNotFound(m, e);
      case FAILED_PRECONDITION -> new NotReset(m, e);
      case RESOURCE_EXHAUSTED -> new ResourceExhausted(m, e);
      case UNAUTHENTICATED -> new Unauthenticated(
          m + " (pass the server's token with --env-server-token or ISOPLAST_ENV_TOKEN)", e);
      case INTERNAL -> new EnvCrashed(m, e);
      case UNAVAILABLE, DEADLINE_EXCEEDED -> new ServerUnavailable(
          call + " failed: env server " + server + " is unreachable (" + s.getCode() + ": " + desc + ")"
              + (hint == null || hint.isEmpty() ? "" : "; " + hint), e);
      default -> new Other(s.getCode(), m + " (" + s.getCode() + ")", e);
    };
  }
}
