package io.flagramp.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.testbed.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's container image ({@code ./mvnw package}), loaded into podman and run the way a
 * locked-down pod runs it: as the image's own non-root user, with a read-only root file system and no
 * writable /tmp either, no capabilities, no privilege escalation, and no network, so nothing it tries
 * leaves the machine. Without a cluster the operator gets as far as its start-up line and its controller,
 * which is what shows the image's JVM, classpath, main class and user are right.
 */
class ContainerImageIT {

  private static final String IMAGE = System.getProperty("flagramp.image", "flagramp/operator:0.1.0-SNAPSHOT");
  private static final Path IMAGE_TAR = Path.of(System.getProperty("flagramp.image.tar",
      "target/flagramp-operator-image.tar"));
  private static final Path CONTAINERS_CONF = Path.of(System.getProperty("flagramp.podman.conf",
      "src/test/podman/containers.conf"));
  private static final Path PODMAN_DIR = Path.of(System.getProperty("flagramp.podman.dir", "target/podman-it"));
  /** overlay works on this kind of machine; vfs is the fallback where it does not. */
  private static final String STORAGE_DRIVER = System.getProperty("flagramp.podman.storageDriver", "overlay");
  private static final String NON_ROOT_UID = System.getProperty("flagramp.image.uid", "65532");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

  private static Podman podman;
  /** What is missing to run the image here, and how to get it; empty when nothing is. */
  private static Optional<Missing> missing = Optional.empty();

  private record Missing(String what, String howToGetIt) {}

  @BeforeAll
  static void loadTheImage() {
    Optional<Path> executable = TestBed.onPath("podman");
    if (executable.isEmpty() || TestBed.onPath("runc").isEmpty()) {
      missing = Optional.of(new Missing("podman or runc",
          "run src/test/provision/podman.sh (./mvnw verify runs it)"));
      return;
    }
    if (!Files.isRegularFile(IMAGE_TAR)) {
      missing = Optional.of(new Missing("the container image " + IMAGE_TAR, "build it with ./mvnw package (without -DskipImage)"));
      return;
    }
    podman = new Podman(executable.orElseThrow(), CONTAINERS_CONF, PODMAN_DIR, STORAGE_DRIVER);
    Podman.Result load = podman.run(COMMAND_TIMEOUT, "load", "--input", IMAGE_TAR.toString());
    assertThat(load.exitCode()).as(load.output()).isZero();
    assertThat(load.output()).as("named with the project's version as its tag")
        .contains("Loaded image: localhost/" + IMAGE);
  }

  /** Per test, so that a skip is reported with its reason for each test rather than as no tests at all. */
  @BeforeEach
  void needsPodmanAndTheImage() {
    missing.ifPresent(m -> TestBed.missing(m.what(), m.howToGetIt()));
  }

  @AfterAll
  static void removeTheStore() {
    if (podman != null) {
      podman.close();
    }
  }

  @Test
  void refusesAnInvalidSettingWithTheConfigErrorAndExitCode2() {
    Podman.Result run = podman.run(COMMAND_TIMEOUT, runArgs(List.of("--env", "FLAGRAMP_HISTORY_LIMIT=0")));

    assertThat(run.output())
        .contains("flagramp cannot start: FLAGRAMP_HISTORY_LIMIT: \"0\" is not a whole number above 0");
    assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
  }

  @Test
  void startsWithoutAClusterPrintingItsSettingsFirstAndNeedsNoWritableFileSystem() {
    String name = "flagramp-image-it-" + ProcessHandle.current().pid();
    Path log = podman.nextLog();
    Process container = podman.start(log, runArgs(List.of("--name", name)));
    try {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> Podman.read(log).contains("Starting 'scalingchange' controller") || !container.isAlive());

      String output = Podman.read(log);
      assertThat(output.lines().findFirst()).as("the heap is sized from the memory limit by default").hasValue(
          "Picked up JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=75");
      assertThat(output.lines().skip(1).findFirst()).as(output).hasValueSatisfying(first ->
          assertThat(first).contains("INFO  FlagrampOperator - flagramp starting: namespaces=<all>"));
      assertThat(output).as("it got as far as starting its controller")
          .contains("Starting 'scalingchange' controller")
          .doesNotContainIgnoringCase("read-only file system");
    } finally {
      podman.run(COMMAND_TIMEOUT, "rm", "--force", "--time", "0", name);
      container.destroy();
    }
  }

  @Test
  void runsAsTheNumericNonRootUserOfTheImage() {
    Podman.Result user = podman.run(COMMAND_TIMEOUT, "image", "inspect", "--format", "{{.Config.User}}", IMAGE);
    assertThat(user.output().strip()).isEqualTo(NON_ROOT_UID + ":" + NON_ROOT_UID);

    Podman.Result id = podman.run(COMMAND_TIMEOUT, runArgs(List.of("--entrypoint", "id"), "-u"));
    assertThat(id.output().strip()).as(id.output()).isEqualTo(NON_ROOT_UID);
  }

  /** {@code podman run} as a restricted pod runs: the image's user, nothing writable, no network. */
  private static String[] runArgs(List<String> options, String... commandArgs) {
    List<String> args = new ArrayList<>(List.of("run", "--rm", "--pull=never", "--network=none",
        "--read-only", "--read-only-tmpfs=false", "--cap-drop=all", "--security-opt=no-new-privileges"));
    args.addAll(options);
    args.add(IMAGE);
    args.addAll(List.of(commandArgs));
    return args.toArray(String[]::new);
  }
}
