package io.flagramp.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The podman CLI on an image store of its own, which it empties and deletes on {@link #close()}: nothing is
 * pulled, and nothing is left in the machine's store. The store is under the build's directory; podman's
 * runtime state is in a short private directory of its own (podman refuses a runroot longer than 50
 * characters, which a checkout a few folders deep already gives), deleted on close too. This machine's engine settings (runc, cgroupfs,
 * ulimits under the hard limit) come from the containers.conf given, through {@code CONTAINERS_CONF}.
 */
final class Podman implements AutoCloseable {

  /** How a finished command ended: its exit code and what it printed on stdout and stderr, interleaved. */
  record Result(int exitCode, String output) {}

  private final Path executable;
  private final Path containersConf;
  private final Path dir;
  /** --runroot and --tmpdir: a fresh directory only this user can enter, on a path short at any checkout. */
  private final Path state;
  private final String storageDriver;
  private int commands;

  Podman(Path executable, Path containersConf, Path dir, String storageDriver) {
    this.executable = executable;
    this.containersConf = containersConf;
    this.dir = dir;
    this.storageDriver = storageDriver;
    this.state = shortPrivateDirectory();
    if (Files.exists(dir)) {
      // Left by a run that did not get to close(): let podman unmount what it still holds first.
      removeEverything();
      delete(dir);
    }
    try {
      Files.createDirectories(dir.resolve("logs"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a podman command to its end; fails if it takes longer than {@code timeout}. */
  Result run(Duration timeout, String... args) {
    Path log = nextLog();
    Process process = start(log, args);
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("podman " + String.join(" ", args) + " did not finish in " + timeout
            + "; it printed:\n" + read(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    return new Result(process.exitValue(), read(log));
  }

  /** Starts a podman command that runs on, such as a container in the foreground, printing into {@code log}. */
  Process start(Path log, String... args) {
    List<String> command = new ArrayList<>(List.of(executable.toString(),
        "--root", dir.resolve("root").toString(),
        "--runroot", state.resolve("run").toString(),
        "--tmpdir", state.resolve("tmp").toString(),
        "--storage-driver", storageDriver));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("CONTAINERS_CONF", containersConf.toString());
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new file for a command's output, kept under the store's directory for a look after a failure. */
  Path nextLog() {
    return dir.resolve("logs").resolve("podman-" + (++commands) + ".log");
  }

  static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    removeEverything();
    delete(dir);
    delete(state);
  }

  /** The runroot podman takes at most: it keeps sockets there, whose paths the kernel limits. */
  static final int MAX_RUNROOT = 50;

  /**
   * A new directory, rwx for this user only (as {@link Files#createTempDirectory} makes it), under
   * $XDG_RUNTIME_DIR or else /tmp, whichever gives a runroot podman accepts.
   */
  static Path shortPrivateDirectory() {
    List<Path> bases = new ArrayList<>();
    Optional.ofNullable(System.getenv("XDG_RUNTIME_DIR")).filter(d -> !d.isBlank()).map(Path::of)
        .filter(Files::isDirectory).ifPresent(bases::add);
    bases.add(Path.of("/tmp"));
    for (Path base : bases) {
      // createTempDirectory adds up to 19 digits to the prefix.
      if (base.toString().length() + "/frp-".length() + 19 + "/run".length() <= MAX_RUNROOT) {
        try {
          return Files.createTempDirectory(base, "frp-");
        } catch (IOException e) {
          // not writable here: the next base
        }
      }
    }
    throw new IllegalStateException("no directory for podman's runtime state with a path of at most " + MAX_RUNROOT
        + " characters: tried " + bases);
  }

  private void removeEverything() {
    run(Duration.ofSeconds(60), "rm", "--all", "--force", "--time", "0");
    run(Duration.ofSeconds(60), "rmi", "--all", "--force");
  }

  private static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
