package dev.isoplast.sweeps;

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

  /** Splits a line {@link #join} wrote (or a POSIX shell would split alike: blanks, single quotes, backslashes) into its arguments. */
  public static List<String> split(String line) {
    List<String> out = new java.util.ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean started = false;
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '\'') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '\'') {
        quoted = true;
        started = true;
      } else if (c == '\\' && i + 1 < line.length()) {
        cur.append(line.charAt(++i));
        started = true;
      } else if (Character.isWhitespace(c)) {
        if (started) {
          out.add(cur.toString());
          cur.setLength(0);
          started = false;
        }
      } else {
        cur.append(c);
        started = true;
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("unbalanced single quote in: " + line);
    }
    if (started) {
      out.add(cur.toString());
    }
    return out;
  }

  /** One argument: unchanged when plain, else in single quotes (a single quote itself as '\''). */
  public static String quote(String arg) {
    if (!arg.isEmpty() && PLAIN.matcher(arg).matches()) {
      return arg;
    }
    return "'" + arg.replace("'", "'\\''") + "'";
  }
}
