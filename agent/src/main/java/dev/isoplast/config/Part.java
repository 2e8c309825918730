package dev.isoplast.config;

import java.util.List;

/**
 * One building block of a plasticity method (DESIGN.md §13): an optimizer, a coupled regularizer or
 * an intervention, with its own config record and the presets it brings. A method is one class
 * declaring its part ({@code public static final ... PART}) and one line in the registry
 * ({@code plasticity/Methods}); the learners, config.yaml, {@code --set}, {@code isoplast methods}
 * and {@code sweep --tune} find everything else here.
 *
 * @param <C> its config record
 */
public interface Part<C extends Record & PartConfig> {

  /** Its name ({@code redo}; for an optimizer the value of the {@code optimizer} key). */
  String name();

  /** Its config record with the part off, every other value at its default. */
  C off();

  /** The presets it brings ({@code isoplast methods}), in the order listed. */
  List<MethodPreset> presets();

  /** Its config record's type. */
  @SuppressWarnings("unchecked")
  default Class<C> type() {
    return (Class<C>) off().getClass();
  }

  /** Its config keys, in order. */
  default List<String> keys() {
    return RecordCodec.keys(type());
  }

  /** Its config record from a map holding every one of its keys. */
  default C read(java.util.Map<String, Object> m) {
    return RecordCodec.fromMap(type(), m);
  }
}
