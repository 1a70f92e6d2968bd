package io.flagramp.notify;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.WebhookSecretReference;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.HttpAddress;
import io.flagramp.core.OptIn;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * A receiver's webhook URL, from the Secret it names in the change's own namespace, if the Secret's
 * owner opted in ({@link OptIn#NOTIFICATIONS}) and it is not a service-account token, and if the
 * operator may send there ({@code FLAGRAMP_WEBHOOK_ALLOWLIST}). Otherwise a refusal or failure, whose
 * words name the Secret, the key and at most the host: never the URL, which is a credential.
 */
final class ReceiverAddress {

  private static final String SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token";

  /** Reads one Secret; null when it does not exist. */
  interface Secrets {
    Secret get(String namespace, String name);
  }

  /** Where to send, or why not: exactly one of {@code url} and {@code refusal} is present. */
  record Resolution(Optional<HttpUrl> url, Optional<Refusal> refusal) {

    static Resolution at(HttpUrl url) {
      return new Resolution(Optional.of(url), Optional.empty());
    }

    static Resolution not(Outcome.Result result, String cause, String message) {
      return new Resolution(Optional.empty(), Optional.of(new Refusal(result, cause, message)));
    }
  }

  record Refusal(Outcome.Result result, String cause, String message) {}

  private final Secrets secrets;
  private final AddressAllowlist allowlist;

  ReceiverAddress(Secrets secrets, AddressAllowlist allowlist) {
    this.secrets = secrets;
    this.allowlist = allowlist;
  }

  Resolution resolve(String namespace, WebhookSecretReference ref) {
    String name = ref.getName();
    String key = ref.keyOrDefault();
    Secret secret;
    try {
      secret = secrets.get(namespace, name);
    } catch (KubernetesClientException e) {
      return Resolution.not(Outcome.Result.Failed, "secret_unreadable", "Secret " + name + " unreadable"
          + (e.getCode() > 0 ? " (HTTP " + e.getCode() + ")" : ""));
    }
    if (secret == null) {
      return Resolution.not(Outcome.Result.Failed, "secret_not_found", "Secret " + name + " not found in namespace "
          + namespace);
    }
    if (SERVICE_ACCOUNT_TOKEN.equals(secret.getType())) {
      return Resolution.not(Outcome.Result.Refused, "secret_not_opted_in", "Secret " + name + " is a service-account"
          + " token, which is never used for notifications: nothing was sent");
    }
    Map<String, String> labels = secret.getMetadata() == null || secret.getMetadata().getLabels() == null ? Map.of()
        : secret.getMetadata().getLabels();
    if (!OptIn.VALUE.equals(labels.get(OptIn.NOTIFICATIONS))) {
      return Resolution.not(Outcome.Result.Refused, "secret_not_opted_in", "Secret " + name + " does not carry the"
          + " label " + OptIn.NOTIFICATIONS + "=" + OptIn.VALUE + ": nothing was sent (if its owner agrees: kubectl"
          + " label secret " + name + " " + OptIn.NOTIFICATIONS + "=" + OptIn.VALUE + ")");
    }
    Optional<String> value = value(secret, key);
    if (value.isEmpty()) {
      return Resolution.not(Outcome.Result.Failed, "secret_key_missing", "Secret " + name + " has no key " + key);
    }
    HttpAddress address;
    try {
      address = HttpAddress.url(value.get());
    } catch (IllegalArgumentException e) {
      // Not quoted: whatever it holds is the author's secret; the reason quotes none of it.
      return Resolution.not(Outcome.Result.Failed, "bad_url", "the value of key " + key + " in Secret " + name
          + " is not an http(s) URL the operator can send to: " + e.getMessage());
    }
    Optional<AddressAllowlist.Refusal> refusal = allowlist.refusal(address);
    if (refusal.isPresent()) {
      String how = ": nothing was sent (the operator's administrators can add it to FLAGRAMP_WEBHOOK_ALLOWLIST,"
          + " Helm value webhookAllowlist)";
      return Resolution.not(Outcome.Result.Refused, "not_allowed", "Secret " + name + " points at host "
          + address.host() + ", which FLAGRAMP_WEBHOOK_ALLOWLIST does not allow" + switch (refusal.get()) {
            case NOT_LISTED -> "";
            case LOCAL -> " (a loopback or link-local address, which only an entry naming that host itself allows)";
          } + how);
    }
    // The canonical form is what was checked, so it is what is sent.
    return Resolution.at(HttpUrl.get(address.toString()));
  }

  private static Optional<String> value(Secret secret, String key) {
    if (secret.getStringData() != null && secret.getStringData().get(key) != null) {
      return Optional.of(secret.getStringData().get(key).trim());
    }
    if (secret.getData() != null && secret.getData().get(key) != null) {
      try {
        return Optional.of(new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8)
            .trim());
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
