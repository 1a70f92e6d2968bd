package io.flagramp.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.ScalingChange;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code status NAME}: the screen of one change; without a name, the table of all. {@code --watch} keeps it live. */
@Command(name = "status", aliases = "get", sortOptions = false,
    description = {"Show a ScalingChange: its steps, the soak's countdown, each metric against its bound, the"
        + " restart targets, the windows and the last decision. Without NAME, list them.",
        "With --watch the view is redrawn on every change (on a terminal also every second, for the countdown);"
            + " into a pipe, a new view is printed on every change. Ctrl-C ends it."})
final class StatusCommand implements Callable<Integer> {

  @ParentCommand
  FlagrampCli root;

  @Parameters(arity = "0..1", paramLabel = "NAME", description = "The ScalingChange (default: list them all).")
  String name;

  @Option(names = {"-w", "--watch"}, description = "Keep the view live.")
  boolean watch;

  @Option(names = {"-A", "--all-namespaces"}, description = "List the ScalingChanges of every namespace.")
  boolean allNamespaces;

  @Override
  public Integer call() throws InterruptedException {
    Kube kube = root.connect();
    try {
      if (name != null) {
        ScalingChange sc = kube.get(name);
        if (!watch) {
          root.screen().print(screen().render(sc));
          root.screen().flush();
          return ExitCodes.OK;
        }
        try (Follow follow = Follow.one(kube, name)) {
          return live(follow, () -> follow.one().map(c -> screen().render(c)));
        }
      }
      if (!watch) {
        List<ScalingChange> all = allNamespaces ? kube.changes().inAnyNamespace().list().getItems()
            : kube.changes().inNamespace(kube.namespace).list().getItems();
        root.screen().print(ChangeTable.render(all, allNamespaces, kube.namespace, root.clock.instant()));
        root.screen().flush();
        return ExitCodes.OK;
      }
      try (Follow follow = Follow.all(kube, allNamespaces)) {
        return live(follow, () -> Optional.of(ChangeTable.render(follow.items(), allNamespaces, kube.namespace,
            root.clock.instant())));
      }
    } catch (KubernetesClientException e) {
      throw kube.explain(e, name == null ? "listing scalingchanges" : "scalingchange " + name);
    } finally {
      kube.close();
    }
  }

  private StatusScreen screen() {
    return new StatusScreen(root.clock.instant(), root.zone, root.terminal.style(), root.terminal.width());
  }

  /** Draws frames until Ctrl-C, the reader going away, or the object being deleted. */
  private int live(Follow follow, Supplier<Optional<String>> frame) throws InterruptedException {
    PrintWriter out = root.screen();
    boolean tty = root.terminal.tty();
    String last = null;
    boolean first = true;
    while (!out.checkError()) {
      Optional<String> text = frame.get();
      if (text.isEmpty()) {
        root.out().println("scalingchange " + name + " was deleted");
        root.out().flush();
        return ExitCodes.OK;
      }
      if (tty) {
        // Overwrite in place, line by line, so the screen does not flicker.
        StringBuilder screen = new StringBuilder(first ? Terminal.HOME + Terminal.CLEAR_SCREEN : Terminal.HOME);
        text.get().lines().forEach(l -> screen.append(l).append(Terminal.CLEAR_LINE).append('\n'));
        out.print(screen.append(Terminal.CLEAR_BELOW));
      } else if (!withoutFirstLine(text.get()).equals(last)) {
        // The first line carries the clock; a frame is new when anything below it is.
        out.print(first ? text.get() : "\n" + text.get());
      }
      out.flush();
      last = withoutFirstLine(text.get());
      first = false;
      // A terminal also ticks each second for the countdown; a pipe gets a frame only when the object changed.
      follow.next(tty ? Duration.ofSeconds(1) : Duration.ofDays(365));
    }
    return ExitCodes.OK;
  }

  private static String withoutFirstLine(String text) {
    return text.substring(text.indexOf('\n') + 1);
  }
}
