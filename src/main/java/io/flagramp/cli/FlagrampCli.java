package io.flagramp.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl flagramp}: follow and steer ScalingChanges in the cluster of the current kubeconfig
 * context, as kubectl would pick it. kubectl finds the launcher, {@code kubectl-flagramp}, on PATH
 * and runs it with the arguments after {@code flagramp}.
 */
@Command(name = "kubectl flagramp", sortOptions = false,
    description = "Follow and steer flagramp's ScalingChanges in the cluster of the current kubeconfig context.",
    subcommands = {StatusCommand.class, WaitCommand.class, OnCallCommands.Approve.class,
        OnCallCommands.Promote.class, OnCallCommands.Abort.class, OnCallCommands.Retry.class,
        SuspendCommands.Suspend.class, SuspendCommands.Resume.class, LintCommand.class, VersionCommand.class,
        CompletionCommand.class},
    exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
        " 0:done; wait: Succeeded; lint: accepted",
        " 1:the cluster could not be asked or refused (unreachable, forbidden, not found), or a bad file",
        " 2:wrong command line",
        " 3:wait: RolledBack",
        " 4:wait: Held",
        " 5:wait: Invalid",
        " 6:wait: --timeout ran out",
        " 7:lint: the API server or the planner rejects a ScalingChange in the file",
        " 8:approve, promote, retry, abort: the operator would ignore it now; nothing set (--force sets it)"})
public final class FlagrampCli implements Callable<Integer> {

  @Option(names = {"-n", "--namespace"}, scope = ScopeType.INHERIT, paramLabel = "NAMESPACE",
      description = "The namespace (default: the context's, else default).")
  String namespace;

  @Option(names = "--context", scope = ScopeType.INHERIT, paramLabel = "CONTEXT",
      description = "The kubeconfig context (default: the current one).")
  String context;

  @Option(names = "--kubeconfig", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
  Path kubeconfig;

  @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "Show this help.")
  boolean help;

  @Spec
  CommandSpec spec;

  /** The time the screen counts down against and the annotations carry; a test fixes it. */
  Clock clock = Clock.systemUTC();
  /** Where times are shown: the system's zone, as TZ sets it. */
  ZoneId zone = ZoneId.systemDefault();
  Terminal terminal = Terminal.PIPE;

  public static void main(String[] args) {
    if (System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", "log4j2-cli.xml");
    }
    FlagrampCli cli = new FlagrampCli();
    cli.terminal = Terminal.detect(System.getenv());
    System.exit(commandLine(cli).execute(args));
  }

  /** The command line with its error handling: every failure is one line and an exit code, never a stack trace. */
  static CommandLine commandLine(FlagrampCli cli) {
    CommandLine cmd = new CommandLine(cli);
    cmd.setExecutionExceptionHandler((e, command, parsed) -> {
      // A failure's message may quote the cluster or a file: escaped like every other line.
      PrintWriter err = new PrintableWriter(command.getErr());
      if (e instanceof CliFailure f) {
        err.println("error: " + f.getMessage());
        err.flush();
        return f.exitCode();
      }
      if (e instanceof KubernetesClientException k) {
        err.println("error: " + Kube.firstLine(k.getStatus() != null && k.getStatus().getMessage() != null
            ? k.getStatus().getMessage() : k.getMessage()));
      } else {
        err.println("error: " + Kube.firstLine(e.getMessage() == null ? e.toString() : e.getMessage()));
      }
      err.flush();
      return ExitCodes.ERROR;
    });
    return cmd;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  Kube connect() {
    return Kube.connect(kubeconfig, context, namespace);
  }

  /** Standard output, a line at a time, every string in it escaped ({@link PrintableWriter}). */
  PrintWriter out() {
    return new PrintableWriter(spec.commandLine().getOut());
  }

  /** Standard error, as {@link #out()}. */
  PrintWriter err() {
    return new PrintableWriter(spec.commandLine().getErr());
  }

  /**
   * Standard output as it is, for the status screen and the table only: they escape the text they show
   * of a change themselves and carry colour and cursor codes of their own.
   */
  PrintWriter screen() {
    return spec.commandLine().getOut();
  }
}
