package dev.isoplast.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs a test class with ND4J's default data types set to float64 (gradient checks need it) and
 * puts float32 back afterwards, since surefire runs every test class in one JVM. Use with
 * {@code @ExtendWith(Float64Mode.class)}.
 */
public final class Float64Mode implements BeforeAllCallback, AfterAllCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
  }
}
