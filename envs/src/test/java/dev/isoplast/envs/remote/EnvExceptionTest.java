package dev.isoplast.envs.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every status code that env.proto's comments document for an RPC becomes its own typed
 * exception, never {@link EnvException.Other}. The codes are read from the proto itself (as the
 * Python fuzz test does), so a code documented later fails here until the client maps it.
 */
class EnvExceptionTest {

  private static final Map<Status.Code, Class<? extends EnvException>> TYPED = Map.of(
      Status.Code.INVALID_ARGUMENT, EnvException.InvalidArgument.class,
      Status.Code.NOT_FOUND, EnvException.HandleNotFound.class,
      Status.Code.FAILED_PRECONDITION, EnvException.NotReset.class,
      Status.Code.RESOURCE_EXHAUSTED, EnvException.ResourceExhausted.class,
      Status.Code.UNAUTHENTICATED, EnvException.Unauthenticated.class,
      Status.Code.INTERNAL, EnvException.EnvCrashed.class);

  /** The codes named in the comment above each {@code rpc} of the service, by RPC name. */
  static Map<String, Set<Status.Code>> documentedCodes(String proto) {
    String service = proto.substring(proto.indexOf("service EnvService"));
    Map<String, Set<Status.Code>> codes = new TreeMap<>();
    StringBuilder comment = new StringBuilder();
    Pattern rpc = Pattern.compile("^rpc (\\w+)\\(");
    for (String line : service.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("//")) {
        comment.append(trimmed.substring(2)).append(' ');
        continue;
      }
      Matcher m = rpc.matcher(trimmed);
      if (m.find()) {
        Set<Status.Code> found = EnumSet.noneOf(Status.Code.class);
        for (Status.Code code : Status.Code.values()) {
          if (code != Status.Code.OK && Pattern.compile("\\b" + code.name() + "\\b").matcher(comment).find()) {
            found.add(code);
          }
        }
        codes.put(m.group(1), found);
      }
      comment.setLength(0);
    }
    return codes;
  }

  private static String readProto() throws IOException {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path proto = dir.resolve("proto/src/main/proto/isoplast/env/v1/env.proto");
      if (Files.exists(proto)) {
        return Files.readString(proto);
      }
    }
    throw new IOException("env.proto not found above " + Path.of("").toAbsolutePath());
  }

  @Test
  void everyDocumentedCodeMapsToItsTypedException() throws IOException {
    Map<String, Set<Status.Code>> documented = documentedCodes(readProto());
    assertEquals(Set.of("ListEnvs", "Make", "Reset", "Step", "StepStream", "Reconfigure", "Close", "OpenDataPath",
        "GetState", "SetState"), documented.keySet());
    Map<Status.Code, String> seenIn = new LinkedHashMap<>();
    documented.forEach((rpcName, codes) -> {
      assertFalse(codes.isEmpty(), rpcName + " documents no status code");
      codes.forEach(code -> seenIn.putIfAbsent(code, rpcName));
    });
    assertEquals(TYPED.keySet(), seenIn.keySet(), "documented codes vs. codes the client types");
    for (Status.Code code : seenIn.keySet()) {
      StatusRuntimeException e = Status.fromCode(code).withDescription("what the server said").asRuntimeException();
      EnvException mapped = EnvException.from(e, seenIn.get(code) + "(handle h1)", "127.0.0.1:1", "");
      assertInstanceOf(TYPED.get(code), mapped, code.name());
      assertEquals(code, mapped.code());
      assertTrue(mapped.getMessage().contains("what the server said"), mapped.getMessage());
      assertTrue(mapped.getMessage().startsWith(seenIn.get(code) + "(handle h1) failed"), mapped.getMessage());
    }
  }
}
