package io.flagramp.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Lowering;
import io.flagramp.core.OptIn;
import io.flagramp.core.SpecProblem;
import io.flagramp.core.SpecValidator;
import io.flagramp.operator.Clients;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lint FILE}: would the cluster take these ScalingChanges, would the planner, and what would
 * each do, step by step, with the times. The API server judges the schema and its CEL rules in a dry
 * run (dryRun=All: a create, or an update of the object that exists, so immutability is checked too);
 * the planner's own validation ({@link SpecValidator}) judges what the schema cannot say, with the
 * settings of the operator that will run the change ({@link OperatorsInCluster}); then a
 * {@link Timeline} shows the steps.
 */
@Command(name = "lint", sortOptions = false,
    description = {"Check the ScalingChanges in FILE (\"-\": standard input) with a server-side dry run and the"
        + " planner's validation, against the Prometheus allowlist and ConfigMap opt-in of the operator that will"
        + " run each (read from its Deployment; a default Helm install's when it cannot be read), then show what each would do, step by step, with the times: simulated with the"
        + " operator's own planner, metrics that pass, approvals given at once, deploy windows as they are.",
        "Other kinds in the file are skipped."})
final class LintCommand implements Callable<Integer> {

  @ParentCommand
  FlagrampCli root;

  @Parameters(paramLabel = "FILE", description = "A YAML file of one or more documents, or - for standard input.")
  String file;

  @Option(names = "--local", description = "Without a cluster: the planner's validation and the timeline only.")
  boolean local;

  @Option(names = "--start", paramLabel = "TIME",
      description = "Simulate as if created at TIME (2026-11-23T02:00, in the shown time zone, or with Z or an"
          + " offset); default: now.")
  String start;

  @Override
  public Integer call() {
    startAt(root.zone);  // a bad --start fails before anything is asked
    List<ScalingChange> changes = read();
    PrintWriter out = root.out();
    Kube kube = local ? null : root.connect();
    OperatorsInCluster operators = kube == null ? OperatorsInCluster.notAsked() : OperatorsInCluster.read(kube);
    boolean rejected = false;
    try {
      for (ScalingChange sc : changes) {
        String ns = sc.getMetadata().getNamespace() != null ? sc.getMetadata().getNamespace()
            : kube != null ? kube.namespace : root.namespace != null ? root.namespace : "default";
        sc.getMetadata().setNamespace(ns);
        out.println("scalingchange " + sc.getMetadata().getName() + " (namespace " + ns + ")");
        boolean ok = true;
        if (kube != null) {
          Optional<String> refused = dryRun(kube, sc);
          print(out, "server", refused.map(r -> "rejected: " + r).orElse("accepted (dry run)"));
          ok = refused.isEmpty();
        }
        OperatorsInCluster.Choice operator = operators.forChange(sc);
        print(out, "operator", operator.said());
        Optional<SpecProblem> problem = SpecValidator.validate(sc.getSpec(), operator.settings().planner());
        print(out, "planner", problem.map(p -> "rejected: " + p).orElse("no problem found"));
        ok &= problem.isEmpty();
        if (kube != null && ok) {
          Optional<String> refusal = notOptedIn(kube, sc, operator.settings().requireConfigMapOptIn());
          refusal.ifPresent(line -> print(out, "flag", "rejected: " + line));
          ok = refusal.isEmpty();
        }
        if (kube != null && ok) {
          lowering(kube, sc).ifPresent(line -> print(out, "flag", line));
        }
        if (ok) {
          timeline(out, sc);
        }
        rejected |= !ok;
        out.println();
      }
    } finally {
      if (kube != null) {
        kube.close();
      }
    }
    out.flush();
    return rejected ? ExitCodes.LINT_REJECTED : ExitCodes.OK;
  }

  private void timeline(PrintWriter out, ScalingChange sc) {
    ZoneId zone = sc.getSpec().getWindows() != null ? ZoneId.of(sc.getSpec().getWindows().getTimeZone()) : root.zone;
    Instant at = startAt(zone);
    Timeline.Result result = Timeline.simulate(sc, at);
    boolean analysis = sc.getSpec().getAnalysis() != null;
    print(out, "timeline", "if created " + Times.full(at, zone) + (analysis ? ", with metrics that pass:" : ":"));
    Timeline.render(result, zone).forEach(line -> out.println("    " + line));
    result.notes().forEach(note -> StatusScreen.wrap("note: " + note, Terminal.WIDTH - 4)
        .forEach(line -> out.println("    " + line)));
  }

  /**
   * The ConfigMap exists without its owner's consent, which the operator requires: the change would be
   * Invalid (ConfigMapNotOptedIn) before its first write. A ConfigMap that is missing or cannot be read
   * says nothing yet.
   */
  private Optional<String> notOptedIn(Kube kube, ScalingChange sc, boolean required) {
    if (!required || sc.getSpec().getFlag() == null) {
      return Optional.empty();
    }
    String name = sc.getSpec().getFlag().getConfigMapName();
    io.fabric8.kubernetes.api.model.ConfigMap cm;
    try {
      cm = kube.client.configMaps().inNamespace(sc.getMetadata().getNamespace()).withName(name).get();
    } catch (KubernetesClientException e) {
      return Optional.empty();  // lowering() says it could not be read
    }
    if (cm == null || (cm.getMetadata().getLabels() != null
        && OptIn.VALUE.equals(cm.getMetadata().getLabels().get(OptIn.FLAGS)))) {
      return Optional.empty();
    }
    return Optional.of("ConfigMap " + name + " does not carry the label " + OptIn.FLAGS + "=" + OptIn.VALUE
        + ", which this operator requires before it writes a ConfigMap: label it (kubectl label configmap " + name
        + " " + OptIn.FLAGS + "=" + OptIn.VALUE + ")");
  }

  /**
   * What the flag's ConfigMap holds now says of the first step: whether it would lower the flag (then
   * the operator waits for an approval before writing it).
   */
  private Optional<String> lowering(Kube kube, ScalingChange sc) {
    if (sc.getSpec().getFlag() == null || sc.getSpec().getSteps() == null || sc.getSpec().getSteps().isEmpty()) {
      return Optional.empty();
    }
    io.fabric8.kubernetes.api.model.ConfigMap cm;
    try {
      cm = kube.client.configMaps().inNamespace(sc.getMetadata().getNamespace())
          .withName(sc.getSpec().getFlag().getConfigMapName()).get();
    } catch (KubernetesClientException e) {
      return Optional.of("ConfigMap " + sc.getSpec().getFlag().getConfigMapName() + " could not be read ("
          + Kube.firstLine(e.getMessage()) + ")");
    }
    if (cm == null) {
      return Optional.empty();  // the change waits for it; nothing to say of its values yet
    }
    return Lowering.of(sc.getSpec().getFlag(), io.flagramp.core.FlagFormat.of(sc.getSpec().getFlag())
            .read(cm.getData() == null ? java.util.Map.of() : cm.getData()).values(),
        sc.getSpec().getSteps().get(0).getWeight())
        .map(line -> line + ": the operator will wait for flagramp.io/approve before writing it");
  }

  /** Empty when the API server accepts the object in a dry run; otherwise its message. */
  private Optional<String> dryRun(Kube kube, ScalingChange sc) {
    String ns = sc.getMetadata().getNamespace();
    try {
      ScalingChange live = sc.getMetadata().getName() == null ? null
          : kube.changes().inNamespace(ns).withName(sc.getMetadata().getName()).get();
      if (live == null) {
        kube.changes().inNamespace(ns).resource(sc).dryRun().create();
      } else {
        sc.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
        kube.changes().inNamespace(ns).resource(sc).dryRun().update();
      }
      return Optional.empty();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 422 || e.getCode() == 400) {
        return Optional.of(e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
            : Kube.firstLine(e.getMessage()));
      }
      throw kube.explain(e, "a dry run of scalingchange " + sc.getMetadata().getName());
    }
  }

  /** The ScalingChanges of the file, in order. */
  private List<ScalingChange> read() {
    KubernetesSerialization json = Clients.serialization();
    json.registerKubernetesResource(ScalingChange.class);
    Object parsed;
    try (InputStream in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file))) {
      parsed = json.unmarshal(in);
    } catch (NoSuchFileException e) {
      throw CliFailure.error("no such file: " + file);
    } catch (IOException | RuntimeException e) {
      throw CliFailure.error("cannot read " + file + ": " + Kube.firstLine(e.getMessage()));
    }
    List<Object> documents = parsed instanceof List<?> list ? new ArrayList<>(list) : new ArrayList<>();
    if (!(parsed instanceof List<?>) && parsed != null) {
      documents.add(parsed);
    }
    List<ScalingChange> changes = new ArrayList<>();
    for (Object doc : documents) {
      if (doc instanceof ScalingChange sc) {
        changes.add(sc);
      } else if (doc instanceof HasMetadata other) {
        root.err().println("skipped " + other.getKind() + " " + other.getMetadata().getName()
            + ": not a ScalingChange");
      }
    }
    root.err().flush();
    if (changes.isEmpty()) {
      throw CliFailure.error("no ScalingChange (apiVersion flagramp.io/v1alpha1) in " + file);
    }
    return changes;
  }

  private Instant startAt(ZoneId zone) {
    if (start == null) {
      return root.clock.instant().truncatedTo(ChronoUnit.MINUTES);
    }
    try {
      return OffsetDateTime.parse(start).toInstant();
    } catch (DateTimeException e) {
      // no offset: a local time in the zone shown
    }
    try {
      return LocalDateTime.parse(start).atZone(zone).toInstant();
    } catch (DateTimeException e) {
      throw new CliFailure(ExitCodes.USAGE, "--start: \"" + start + "\" is not a time like 2026-11-23T02:00 or"
          + " 2026-11-23T02:00Z");
    }
  }

  private static void print(PrintWriter out, String label, String text) {
    List<String> lines = StatusScreen.wrap(text, Terminal.WIDTH - 12);
    for (int i = 0; i < lines.size(); i++) {
      out.println("  " + StatusScreen.pad(i == 0 ? label : "", 10) + lines.get(i));
    }
  }
}
