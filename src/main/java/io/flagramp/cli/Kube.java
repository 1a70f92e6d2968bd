package io.flagramp.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.operator.Clients;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The cluster of the kubeconfig's current context (or --context, --kubeconfig, -n), as kubectl
 * would pick it; and every way asking it can fail, said in one line.
 */
final class Kube implements AutoCloseable {

  /**
   * The field manager of every write: the operator records it as who promoted, and as who approved unless
   * approvals are verified (then the user in flagramp.io/approved-by).
   */
  static final String FIELD_MANAGER = "kubectl-flagramp";

  private static final ObjectMapper JSON = new ObjectMapper();

  final KubernetesClient client;
  final String namespace;
  private final String where;

  private Kube(KubernetesClient client, String namespace, String where) {
    this.client = client;
    this.namespace = namespace;
    this.where = where;
  }

  static Kube connect(Path kubeconfig, String context, String namespace) {
    Config config;
    try {
      if (kubeconfig != null) {
        if (!Files.isReadable(kubeconfig)) {
          throw CliFailure.error("cannot read the kubeconfig " + kubeconfig);
        }
        config = Config.fromKubeconfig(context, kubeconfig.toFile());
      } else {
        config = Config.autoConfigure(context);
      }
    } catch (CliFailure e) {
      throw e;
    } catch (RuntimeException e) {
      // Fabric8 fails on an empty or foreign file with whatever it tripped over, an NPE included.
      throw CliFailure.error("cannot read the kubeconfig" + (kubeconfig == null ? "" : " " + kubeconfig)
          + ": it is empty or not a kubeconfig" + (e instanceof NullPointerException || e.getMessage() == null ? ""
          : " (" + firstLine(e.getMessage()) + ")"));
    }
    if (context != null && config.getCurrentContext() != null
        && !context.equals(config.getCurrentContext().getName())) {
      throw CliFailure.error("context \"" + context + "\" is not in the kubeconfig");
    }
    // One try per request: a person at a terminal wants the error now, not after a backoff.
    config.setRequestRetryBackoffLimit(0);
    String ns = namespace != null ? namespace : config.getNamespace() != null ? config.getNamespace() : "default";
    String server = config.getMasterUrl();
    String ctx = config.getCurrentContext() == null ? null : config.getCurrentContext().getName();
    String where = server + (ctx == null ? " (no kubeconfig context: set KUBECONFIG or --kubeconfig)"
        : " (context " + ctx + ")");
    return new Kube(Clients.client(config), ns, where);
  }

  MixedOperation<ScalingChange, KubernetesResourceList<ScalingChange>, Resource<ScalingChange>> changes() {
    return client.resources(ScalingChange.class);
  }

  Resource<ScalingChange> change(String name) {
    return changes().inNamespace(namespace).withName(name);
  }

  /** The ScalingChange, or a failure that says why there is none. */
  ScalingChange get(String name) {
    ScalingChange sc;
    try {
      sc = change(name).get();
    } catch (KubernetesClientException e) {
      throw explain(e, "scalingchange " + name);
    }
    if (sc == null) {
      throw notFound(name);
    }
    return sc;
  }

  /**
   * A JSON merge patch under {@link #FIELD_MANAGER}, so that managedFields name this tool as the
   * writer of what it set.
   */
  ScalingChange mergePatch(String name, Map<String, Object> patch) {
    try {
      return change(name).patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE)
          .withFieldManager(FIELD_MANAGER).build(), JSON.writeValueAsString(patch));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings is JSON", e);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        throw notFound(name);
      }
      throw explain(e, "scalingchange " + name);
    }
  }

  /**
   * The user name the API server authenticates this client as, from a SelfSubjectReview
   * (authentication.k8s.io/v1, what {@code kubectl auth whoami} asks); empty where the server does not
   * serve it or forbids it.
   */
  Optional<String> whoAmI() {
    try {
      SelfSubjectReview review = client.authentication().v1().selfSubjectReviews().create(new SelfSubjectReview());
      return Optional.ofNullable(review.getStatus()).map(SelfSubjectReviewStatus::getUserInfo)
          .map(UserInfo::getUsername).filter(u -> !u.isBlank());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403 || e.getCode() == 404) {
        return Optional.empty();
      }
      throw explain(e, "selfsubjectreview");
    }
  }

  /** Not found: the object, or the whole kind when the CRD is not installed. */
  CliFailure notFound(String name) {
    try {
      changes().inNamespace(namespace).list(new ListOptionsBuilder().withLimit(1L).build());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return crdMissing();
      }
    }
    return CliFailure.error("scalingchange \"" + name + "\" not found in namespace \"" + namespace + "\"");
  }

  private CliFailure crdMissing() {
    return CliFailure.error("the cluster at " + where + " does not serve scalingchanges.flagramp.io: install the CRD"
        + " (kubectl apply -f crds/scalingchanges.flagramp.io-v1.yml)");
  }

  /** Any failure of a request, as one line. */
  CliFailure explain(KubernetesClientException e, String what) {
    String server = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : null;
    Optional<String> transport = transport(e);
    if (transport.isPresent()) {
      return CliFailure.error("cannot reach the cluster at " + where + ": " + transport.get());
    }
    return switch (e.getCode()) {
      case 401 -> CliFailure.error("unauthorized: " + where + " refused the credentials of the kubeconfig");
      case 403 -> CliFailure.error("forbidden: " + (server != null ? server : what));
      case 404 -> server != null && server.contains("the server could not find the requested resource") ? crdMissing()
          : CliFailure.error(what + " not found in namespace \"" + namespace + "\"");
      default -> CliFailure.error(what + ": " + firstLine(server != null ? server : e.getMessage()));
    };
  }

  /** A request that got no answer from a server, in words; empty when a server answered. */
  private static Optional<String> transport(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return Optional.of("connection refused");
      }
      if (t instanceof UnknownHostException) {
        return Optional.of("unknown host " + t.getMessage());
      }
      if (t instanceof HttpTimeoutException) {
        return Optional.of("no answer in time");
      }
      if (t instanceof SSLException) {
        return Optional.of("TLS: " + firstLine(t.getMessage()));
      }
      if (t instanceof IOException && t.getCause() == null) {
        return Optional.of(firstLine(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()));
      }
    }
    return Optional.empty();
  }

  static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }

  String where() {
    return where;
  }

  @Override
  public void close() {
    client.close();
  }
}
