package io.flagramp.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The addresses a ScalingChange may make the operator connect to (a Prometheus, a webhook). An entry
 * with a scheme is a base URL: an address matches when scheme, host and port are the same and its
 * path lies under the entry's, segment by segment ({@code http://prometheus.monitoring.svc:9090}). An
 * entry without one is a host: the same host, or any host under a {@code *.} pattern
 * ({@code *.monitoring.svc}), on any scheme and port. Entries and addresses are compared in their
 * {@link HttpAddress canonical form}, so no spelling of an address (case, an explicit default port,
 * {@code ..}, {@code %2e%2e}, a trailing dot, {@code 0x7f.1}) matches differently from the form sent.
 *
 * <p>An empty list allows nothing. A loopback, link-local or unspecified address (127.0.0.1,
 * 169.254.169.254, [::1], 0.0.0.0) is allowed only by an entry that names that host itself: never by
 * a {@code *.} pattern. A name that resolves to one is held to the same rule when it is looked up
 * ({@link #namesHost}).
 */
public final class AddressAllowlist {

  /** Why an address is refused. */
  public enum Refusal {
    /** No entry allows it. */
    NOT_LISTED,
    /** A loopback or link-local address that no entry names itself. */
    LOCAL
  }

  /** One entry: a base URL, or a host ({@code *.domain} when {@code wildcard}). */
  private record Entry(Optional<HttpAddress> base, String host, boolean wildcard, String text) {

    boolean matches(HttpAddress a) {
      if (base.isPresent()) {
        return a.isUnder(base.get());
      }
      return wildcard ? !a.hostIsAddress() && a.host().endsWith("." + host) : a.host().equals(host);
    }

    /** Names {@code host} itself, not through a pattern. */
    boolean names(String h) {
      return !wildcard && host.equals(h);
    }
  }

  private static final AddressAllowlist ANY = new AddressAllowlist(List.of(), true);

  private final List<Entry> entries;
  private final boolean any;

  private AddressAllowlist(List<Entry> entries, boolean any) {
    this.entries = entries;
    this.any = any;
  }

  /**
   * Every address, loopback and link-local too: for tools that cannot know the operator's list (lint)
   * and for tests. The operator itself never uses it.
   */
  public static AddressAllowlist any() {
    return ANY;
  }

  /**
   * From a comma-separated setting; empty allows nothing.
   *
   * @throws IllegalArgumentException naming an entry that is neither a base URL nor a host pattern
   */
  public static AddressAllowlist parse(String setting) {
    List<Entry> entries = new ArrayList<>();
    for (String e : Arrays.stream(setting.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()) {
      entries.add(entry(e));
    }
    return new AddressAllowlist(List.copyOf(entries), false);
  }

  private static Entry entry(String e) {
    try {
      if (e.contains("://")) {
        HttpAddress base = HttpAddress.base(e);
        return new Entry(Optional.of(base), base.host(), false, base.toString());
      }
      boolean wildcard = e.startsWith("*.");
      String host = e.startsWith("[") && e.endsWith("]") ? Hosts.ipv6(e.substring(1, e.length() - 1))
          : Hosts.name(wildcard ? e.substring(2) : e);
      if (wildcard && Hosts.literal(host).isPresent()) {
        throw new IllegalArgumentException("a pattern cannot stand for IP addresses");
      }
      return new Entry(Optional.empty(), host, wildcard, (wildcard ? "*." : "") + host);
    } catch (IllegalArgumentException bad) {
      throw new IllegalArgumentException("\"" + e + "\" is neither a base URL (http(s)://host[:port][/path]) nor a"
          + " host pattern (host, *.domain): " + bad.getMessage(), bad);
    }
  }

  /** This list and one address besides, as a base URL (the operator's own default Prometheus). */
  public AddressAllowlist including(HttpAddress address) {
    if (any || entries.stream().anyMatch(e -> e.text().equals(address.toString()))) {
      return this;  // listed already, as the chart's defaults do: shown once in the log and in messages
    }
    List<Entry> more = new ArrayList<>(entries);
    more.add(new Entry(Optional.of(address), address.host(), false, address.toString()));
    return new AddressAllowlist(List.copyOf(more), false);
  }

  /** Allows every address ({@link #any()}). */
  public boolean allowsAny() {
    return any;
  }

  /** Allows no address at all. */
  public boolean isEmpty() {
    return !any && entries.isEmpty();
  }

  /** Why {@code address} may not be used; empty when it may. */
  public Optional<Refusal> refusal(HttpAddress address) {
    if (any) {
      return Optional.empty();
    }
    boolean local = address.hostIsLocal();
    for (Entry e : entries) {
      if (e.matches(address) && (!local || e.names(address.host()))) {
        return Optional.empty();
      }
    }
    return Optional.of(local ? Refusal.LOCAL : Refusal.NOT_LISTED);
  }

  public boolean allows(HttpAddress address) {
    return refusal(address).isEmpty();
  }

  /** As {@link #allows(HttpAddress)} for a base address as written; one that cannot be read is refused. */
  public boolean allows(String address) {
    try {
      return allows(HttpAddress.base(address));
    } catch (IllegalArgumentException e) {
      return any;
    }
  }

  /**
   * An entry names {@code host} itself (not through a {@code *.} pattern): then it may resolve to a
   * loopback or link-local address. {@code host} in canonical form.
   */
  public boolean namesHost(String host) {
    return any || entries.stream().anyMatch(e -> e.names(host));
  }

  /** As {@link #toString}, with each base URL's path left out: for a list that might hold a secret path. */
  public String withoutPaths() {
    return describe(entries.stream().map(e -> e.base().map(b -> b.origin() + (b.segments().isEmpty() ? "" : "/…"))
        .orElse(e.text())).toList());
  }

  @Override
  public String toString() {
    return describe(entries.stream().map(Entry::text).toList());
  }

  private String describe(List<String> texts) {
    return any ? "<any>" : texts.isEmpty() ? "<none>" : String.join(",", texts);
  }
}
