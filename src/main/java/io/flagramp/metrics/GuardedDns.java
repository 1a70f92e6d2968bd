package io.flagramp.metrics;

import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Hosts;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import okhttp3.Dns;
import okhttp3.OkHttpClient;

/**
 * Looks names up as {@code resolver} does, and refuses a name that resolves to a loopback, link-local
 * or unspecified address unless the allowlist names that host itself. So a {@code *.} pattern does not
 * lead the operator to 127.0.0.1 or to the cloud's metadata service through a name a tenant controls
 * (a Service of type ExternalName under an allowed domain, a record that is changed after the check).
 * An IP address is never looked up: the allowlist judged it already. Every address a name resolves to
 * is judged, so a mix of ordinary and local ones is refused too.
 */
public final class GuardedDns implements Dns {

  /** The name resolved to a loopback or link-local address that the allowlist does not name. */
  public static final class Refused extends UnknownHostException {
    Refused(String host) {
      super("refused: " + host + " resolves to a loopback or link-local address, which the operator reaches only"
          + " where its allowlist names that host itself");
    }
  }

  private final Dns resolver;
  private final AddressAllowlist allowlist;

  public GuardedDns(Dns resolver, AddressAllowlist allowlist) {
    this.resolver = resolver;
    this.allowlist = allowlist;
  }

  /** A client that looks names up through the system's resolver, guarded by {@code allowlist}. */
  public static OkHttpClient client(AddressAllowlist allowlist) {
    return new OkHttpClient.Builder().dns(new GuardedDns(Dns.SYSTEM, allowlist)).build();
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    List<InetAddress> found = resolver.lookup(hostname);
    if (found.stream().anyMatch(Hosts::isLocal) && !allowlist.namesHost(hostname)) {
      throw new Refused(hostname);
    }
    return found;
  }
}
