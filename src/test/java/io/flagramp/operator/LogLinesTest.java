package io.flagramp.operator;

import static io.flagramp.testbed.ControlText.HOSTILE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.Annotations;
import io.flagramp.core.PlannerSettings;
import io.flagramp.core.Printable;
import io.flagramp.demo.Simulation;
import io.flagramp.testbed.CapturedLog;
import io.flagramp.testbed.ControlText;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.xml.XmlConfiguration;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's log lines as its own configuration (src/main/resources/log4j2.xml) lays them out, in
 * both formats, for a decision that quotes an abort's reason full of control characters.
 */
class LogLinesTest {

  @TempDir
  Path dir;

  private static final Logger log = LoggerFactory.getLogger(LogLinesTest.class);
  private static final Path CONFIG = Path.of("src", "main", "resources", "log4j2.xml");
  /** The arbiter that picks the JSON format from the environment, which a test cannot set. */
  private static final String JSON_ARBITER =
      "<EnvironmentArbiter propertyName=\"FLAGRAMP_LOG_FORMAT\" propertyValue=\"json\">";

  /** The decisions logged when a change at weight 1 is aborted with {@link ControlText#HOSTILE}. */
  private static List<LogEvent> abortWithControlCharacters() {
    ScalingChange change = new ScalingChange();
    change.setMetadata(new ObjectMetaBuilder().withName("use-redis").withNamespace("social").withGeneration(1L)
        .withUid("uid-use-redis").withAnnotations(new HashMap<>()).build());
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(new FlagTarget("app-features", "USE_REDIS_PERCENTAGE", "USE_REDIS"));
    spec.setSteps(new ArrayList<>(List.of(new Step(1, "1h"), new Step(100, null))));
    change.setSpec(spec);
    Simulation sim = new Simulation(new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20), change,
        Instant.parse("2026-11-26T02:00:00Z"));
    sim.reconcile();
    try (CapturedLog captured = new CapturedLog(Reconciliation.class.getName())) {
      sim.annotate(Annotations.ABORT, HOSTILE);
      sim.reconcile();
      assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
      return captured.events().stream().filter(e -> e.getLevel().isMoreSpecificThan(Level.INFO)).toList();
    }
  }

  /**
   * A log4j2 configuration whose console appenders write to a file instead (log4j2 shares one stream
   * manager per target, so standard output cannot be swapped for a test): what each event given to
   * the appender {@code console} adds to the operator's log.
   */
  private static final class Console implements AutoCloseable {
    private final Path file;
    private final Configuration config;

    Console(String xml, Path dir) throws IOException {
      file = Files.createTempFile(dir, "log", ".txt");
      assertThat(xml).contains("target=\"SYSTEM_OUT\">");
      String toFile = xml.replaceAll("<Console (name=\"[a-z]+\") target=\"SYSTEM_OUT\">",
          "<File $1 fileName=\"" + file + "\">").replace("</Console>", "</File>");
      config = new XmlConfiguration(new LoggerContext("log-lines-test"),
          new ConfigurationSource(new ByteArrayInputStream(toFile.getBytes(StandardCharsets.UTF_8))));
      config.initialize();
      config.start();
    }

    String write(LogEvent event) {
      try {
        long from = Files.size(file);
        config.getAppender("console").append(event);
        byte[] all = Files.readAllBytes(file);
        return new String(all, (int) from, all.length - (int) from, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      config.stop();
    }
  }

  @Test
  void aDecisionThatQuotesControlCharactersIsOneTextLineThatShowsThemEscaped() throws IOException {
    List<LogEvent> events = abortWithControlCharacters();
    List<String> lines = new ArrayList<>();
    try (Console console = new Console(Files.readString(CONFIG), dir)) {
      events.forEach(e -> lines.add(console.write(e)));
    }

    assertThat(events).isNotEmpty();
    for (String line : lines) {
      log.info("the text log's line holds {}: {}", ControlText.describe(line), line.strip());
      assertThat(line).endsWith("\n");
      assertThat(line.lines()).as("one event, one line").hasSize(1);
      assertThat(ControlText.count(line)).as(line).isZero();
    }
    assertThat(lines.get(0)).contains(" WARN  Reconciliation - social/use-redis: aborted by"
        + " flagramp.io/abort=\"x\\e[2J\\e]0;owned\\a\\rFAKE\\nFAKE line\\x00\\b\\x7f\\u009b31m\\u202etxt.exe\\u2066"
        + "\\u2028end\" at weight 1 (step 1/2): ");
  }

  @Test
  void aStackTraceIsPartOfItsEventsTextLine() throws IOException {
    LogEvent event = Log4jLogEvent.newBuilder().setLoggerName("io.flagramp.operator.Test").setLevel(Level.ERROR)
        .setMessage(new SimpleMessage("failed")).setThrown(new IllegalStateException("bad " + HOSTILE)).build();

    String line;
    try (Console console = new Console(Files.readString(CONFIG), dir)) {
      line = console.write(event);
    }

    assertThat(line.lines()).as(line).hasSize(1);
    assertThat(ControlText.count(line)).isZero();
    assertThat(line).contains(" ERROR Test - failed java.lang.IllegalStateException: bad x\\e[2J")
        .contains("\\n\\tat io.flagramp.operator.LogLinesTest.aStackTraceIsPartOfItsEventsTextLine(");
  }

  /**
   * JSON escapes the C0 controls by construction, but not DEL, the C1 controls, the bidirectional
   * overrides nor U+2028: the JSON format escapes the message as the text format does, so that it reads
   * back as the text log's message and holds none of them either.
   */
  @Test
  void aDecisionThatQuotesControlCharactersIsOneJsonLineWithTheTextLogsMessage() throws IOException {
    String xml = Files.readString(CONFIG);
    assertThat(xml).contains(JSON_ARBITER);
    List<LogEvent> events = abortWithControlCharacters();
    List<String> lines = new ArrayList<>();
    // The JSON appender, as FLAGRAMP_LOG_FORMAT=json picks it: here picked by a variable that is set.
    try (Console console = new Console(xml.replace(JSON_ARBITER, "<EnvironmentArbiter propertyName=\"PATH\">"),
        dir)) {
      events.forEach(e -> lines.add(console.write(e)));
    }

    for (int i = 0; i < events.size(); i++) {
      String line = lines.get(i);
      log.info("a JSON log line holds {}", ControlText.describe(line.stripTrailing()));
      assertThat(line).endsWith("\n");
      assertThat(line.lines()).as("one event, one line").hasSize(1);
      assertThat(ControlText.count(line.stripTrailing())).as(line).isZero();
      JsonNode json = new ObjectMapper().readTree(line);
      assertThat(json.get("message").asText())
          .isEqualTo(Printable.escape(events.get(i).getMessage().getFormattedMessage()))
          .contains("aborted by flagramp.io/abort=\"x\\e[2J\\e]0;owned\\a\\rFAKE\\nFAKE line\\x00\\b\\x7f\\u009b31m"
              + "\\u202etxt.exe\\u2066\\u2028end\"");
      assertThat(json.get("name").asText()).isEqualTo("use-redis");
    }
  }

  @Test
  void aJsonLineHasAnIsoTimestampAndTheChangesFieldsAtTheTopLevel() throws IOException {
    List<LogEvent> events = abortWithControlCharacters();
    String line;
    try (Console console = new Console(Files.readString(CONFIG).replace(JSON_ARBITER,
        "<EnvironmentArbiter propertyName=\"PATH\">"), dir)) {
      line = console.write(events.get(0));
    }

    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(Instant.parse(json.get("@timestamp").asText()))
        .isEqualTo(Instant.ofEpochMilli(events.get(0).getTimeMillis()));
    assertThat(json.get("@timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(json.get("log.level").asText()).isEqualTo("WARN");
    assertThat(json.get("log.logger").asText()).isEqualTo(Reconciliation.class.getName());
    assertThat(json.get("namespace").asText()).isEqualTo("social");
    assertThat(json.get("name").asText()).isEqualTo("use-redis");
    assertThat(json.get("phase").asText()).isEqualTo("RolledBack");
    assertThat(json.get("reason").asText()).isEqualTo("Aborted");
    assertThat(json.has("instant")).isFalse();
    assertThat(json.has("contextMap")).isFalse();
    json.fields().forEachRemaining(f -> assertThat(f.getValue().isValueNode()).as(f.getKey()).isTrue());
  }

  @Test
  void aStackTraceIsOneJsonFieldOfItsEventsLine() throws IOException {
    LogEvent event = Log4jLogEvent.newBuilder().setLoggerName("io.flagramp.operator.Test").setLevel(Level.ERROR)
        .setMessage(new SimpleMessage("failed")).setThrown(new IllegalStateException("bad")).build();
    String line;
    try (Console console = new Console(Files.readString(CONFIG).replace(JSON_ARBITER,
        "<EnvironmentArbiter propertyName=\"PATH\">"), dir)) {
      line = console.write(event);
    }

    assertThat(line.lines()).as(line).hasSize(1);
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.get("error.type").asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(json.get("error.message").asText()).isEqualTo("bad");
    assertThat(json.get("error.stack_trace").asText()).contains("\tat io.flagramp.operator.LogLinesTest.");
  }
}
