package dev.isoplast.runs;

import java.util.List;
import java.util.regex.Pattern;

/** Command lines as text a POSIX shell reads back into the same arguments (for sweep.json and reports). */
public final class CommandLines {

  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

  private CommandLines() {}

  /** The arguments joined by spaces, each quoted only when the shell would otherwise change it. */
  public static String join(List<String> args) {
    StringBuilder b = new StringBuilder();
    for (String a : args) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(quote(a));
    }
    return b.toString();
  }

  /** One argument: unchanged when plain, else in single quotes (a single quote itself as '\''). */
  public static String quote(String arg) {
    if (!arg.isEmpty() && PLAIN.matcher(arg).matches()) {
      return arg;
    }
    return "'" + arg.replace("'", "'\\''") + "'";
  }
}
