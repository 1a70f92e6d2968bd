package io.flagramp.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Prometheus addresses ScalingChanges may name. An entry with a scheme is a base URL: an address
 * matches when scheme, host and port are the same and its path starts with the entry's
 * ({@code http://prometheus.monitoring.svc:9090}). An entry without one is a host: the same host, or
 * any host under a {@code *.} pattern ({@code *.monitoring.svc}), on any scheme and port. An empty list
 * allows every address.
 */
public final class AddressAllowlist {

  private static final AddressAllowlist ANY = new AddressAllowlist(List.of());

  private final List<String> entries;

  private AddressAllowlist(List<String> entries) {
    this.entries = entries;
  }

  public static AddressAllowlist any() {
    return ANY;
  }

  /**
   * From a comma-separated setting.
   *
   * @throws IllegalArgumentException naming an entry that is neither a base URL nor a host pattern
   */
  public static AddressAllowlist parse(String setting) {
    List<String> entries = Arrays.stream(setting.split(",")).map(String::trim).filter(e -> !e.isEmpty())
        .map(e -> e.toLowerCase(Locale.ROOT)).toList();
    for (String e : entries) {
      if (e.contains("://") ? url(e).isEmpty() : !e.matches("^(\\*\\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")) {
        throw new IllegalArgumentException("\"" + e + "\" is neither a base URL (http(s)://host[:port][/path]) nor a"
            + " host pattern (host, *.domain)");
      }
    }
    return new AddressAllowlist(entries);
  }

  public boolean allowsAny() {
    return entries.isEmpty();
  }

  public boolean allows(String address) {
    if (entries.isEmpty()) {
      return true;
    }
    Optional<URI> target = url(address.toLowerCase(Locale.ROOT));
    if (target.isEmpty()) {
      return false;
    }
    URI t = target.get();
    for (String e : entries) {
      if (e.contains("://")) {
        URI base = url(e).orElseThrow();
        if (base.getScheme().equals(t.getScheme()) && base.getHost().equals(t.getHost()) && port(base) == port(t)
            && path(t).startsWith(path(base))) {
          return true;
        }
      } else if (e.startsWith("*.") ? t.getHost().endsWith(e.substring(1)) : t.getHost().equals(e)) {
        return true;
      }
    }
    return false;
  }

  private static Optional<URI> url(String text) {
    try {
      URI u = new URI(text);
      if (u.getHost() == null || u.getUserInfo() != null
          || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
        return Optional.empty();
      }
      return Optional.of(u);
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
  }

  private static int port(URI u) {
    return u.getPort() != -1 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
  }

  private static String path(URI u) {
    String p = u.getPath() == null ? "" : u.getPath();
    return p.endsWith("/") ? p : p + "/";
  }

  /** As {@link #toString}, with each base URL's path left out: for a list that might hold a secret path. */
  public String withoutPaths() {
    return entries.isEmpty() ? "<any>" : String.join(",", entries.stream()
        .map(e -> e.contains("://") ? url(e).map(u -> u.getScheme() + "://" + u.getRawAuthority()
            + (path(u).equals("/") ? "" : "/…")).orElse(e) : e)
        .toList());
  }

  @Override
  public String toString() {
    return entries.isEmpty() ? "<any>" : String.join(",", entries);
  }
}
