package dev.isoplast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isoplast.envs.sidecar.IsoplastHome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher script's build lock must not swallow the stderr of the command it then runs (error
 * messages, the progress bar): its lock functions, taken from the script itself, run in bash. Its
 * help prints its whole header comment.
 */
class LauncherTest {

  @Test
  void releasingTheBuildLockKeepsStderr() throws Exception {
    Path script = IsoplastHome.locate().resolve("isoplast");
    List<String> lines = Files.readAllLines(script);
    String unlock = lines.stream().filter(l -> l.startsWith("unlock_build()")).findFirst().orElseThrow();
    Path tmp = Files.createTempDirectory("launcher");
    String program = unlock + "\n"
        + "exec 9>" + tmp.resolve("lock") + "\n"
        + "unlock_build\n"
        + "echo 'error: still visible' >&2\n"
        + "{ echo probe >&9; } 2>/dev/null && echo 'fd 9 still open' >&2\n"
        + "exit 0\n";
    Process p = new ProcessBuilder("bash", "-c", program).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), err);
    assertEquals("error: still visible\n", err, "unlock_build must close fd 9 and leave stderr alone");
  }

  @Test
  void helpPrintsTheWholeHeaderComment() throws Exception {
    Path script = IsoplastHome.locate().resolve("isoplast");
    List<String> lines = Files.readAllLines(script);
    List<String> header = new java.util.ArrayList<>();
    for (String l : lines.subList(1, lines.size())) {
      if (!l.startsWith("#")) {
        break;
      }
      header.add(l.replaceFirst("^# ?", ""));
    }
    assertTrue(header.size() > 10, "the header: " + header);
    Process p = new ProcessBuilder("bash", script.toString(), "help").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.startsWith(String.join("\n", header) + "\n"), "the help begins with the header:\n" + out);
  }
}
