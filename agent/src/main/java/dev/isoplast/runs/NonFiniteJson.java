package dev.isoplast.runs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON that keeps NaN and ±∞ through a write and a read. Writing: non-finite doubles become the
 * strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} (Jackson's
 * {@link JsonWriteFeature#WRITE_NAN_AS_STRINGS}; strict JSON readers, Python's {@code json} with
 * {@code parse_constant} aside, accept them). Reading into untyped values ({@code Object}, maps,
 * lists): exactly those three strings become the doubles again; the bare tokens {@code NaN} and
 * {@code Infinity} that other writers (Python's {@code json.dumps}) emit are read too. Typed
 * {@code double} fields read both forms already.
 */
final class NonFiniteJson {

  private NonFiniteJson() {}

  /** The mapper of run files with this rule. */
  static ObjectMapper mapper() {
    SimpleModule module = new SimpleModule("isoplast-non-finite");
    module.addDeserializer(Object.class, new Untyped());
    return JsonMapper.builder().enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).addModule(module).build();
  }

  /** The double a string stands for under the rule, or null when it is an ordinary string. */
  static Double nonFinite(String text) {
    return switch (text) {
      case "NaN" -> Double.NaN;
      case "Infinity" -> Double.POSITIVE_INFINITY;
      case "-Infinity" -> Double.NEGATIVE_INFINITY;
      default -> null;
    };
  }

  /** Untyped values as Jackson reads them (maps, lists, Integer/Long/Double, ...), the three strings as doubles. */
  private static final class Untyped extends JsonDeserializer<Object> {
    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      return plain(p.readValueAsTree());
    }

    private static Object plain(JsonNode n) {
      if (n == null || n.isNull() || n.isMissingNode()) {
        return null;
      }
      if (n.isObject()) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
          Map.Entry<String, JsonNode> e = it.next();
          m.put(e.getKey(), plain(e.getValue()));
        }
        return m;
      }
      if (n.isArray()) {
        List<Object> l = new ArrayList<>(n.size());
        n.forEach(x -> l.add(plain(x)));
        return l;
      }
      if (n.isTextual()) {
        Double d = nonFinite(n.textValue());
        return d != null ? d : n.textValue();
      }
      if (n.isBoolean()) {
        return n.booleanValue();
      }
      if (n.isNumber()) {
        return n.numberValue();
      }
      return n.toString();
    }
  }
}
