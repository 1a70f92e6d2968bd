package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flagramp.core.AddressAllowlist;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import okhttp3.Dns;
import org.junit.jupiter.api.Test;

/**
 * What a name resolves to is judged as an address written in its place would be: a loopback or
 * link-local answer only for a host the allowlist names itself. A resolver of fixed answers stands in
 * for DNS.
 */
class GuardedDnsTest {

  private static final Dns RESOLVER = fixed(Map.of(
      "metadata.tenant.svc", List.of("169.254.169.254"),
      "loop.tenant.svc", List.of("10.0.0.7", "127.0.0.1"),
      "v6.tenant.svc", List.of("::ffff:127.0.0.1", "fe80::1"),
      "localhost", List.of("127.0.0.1", "::1"),
      "prometheus.monitoring.svc", List.of("10.96.0.20")));

  @Test
  void aNameUnderAPatternThatResolvesToTheMetadataServiceOrLoopbackIsRefused() {
    GuardedDns dns = new GuardedDns(RESOLVER, AddressAllowlist.parse("*.tenant.svc, *.monitoring.svc"));

    for (String host : List.of("metadata.tenant.svc", "loop.tenant.svc", "v6.tenant.svc")) {
      assertThatThrownBy(() -> dns.lookup(host)).as(host).isInstanceOf(GuardedDns.Refused.class)
          .hasMessage("refused: " + host + " resolves to a loopback or link-local address, which the operator reaches"
              + " only where its allowlist names that host itself");
    }
  }

  @Test
  void aNameTheAllowlistNamesItselfMayResolveToLoopbackAndOrdinaryAnswersPass() throws UnknownHostException {
    GuardedDns dns = new GuardedDns(RESOLVER, AddressAllowlist.parse("localhost, http://metadata.tenant.svc:80,"
        + " *.monitoring.svc"));

    assertThat(dns.lookup("localhost")).hasSize(2);
    assertThat(dns.lookup("metadata.tenant.svc")).hasSize(1);
    assertThat(dns.lookup("prometheus.monitoring.svc")).extracting(InetAddress::getHostAddress)
        .containsExactly("10.96.0.20");
  }

  private static Dns fixed(Map<String, List<String>> answers) {
    return host -> {
      List<String> found = answers.get(host);
      if (found == null) {
        throw new UnknownHostException(host);
      }
      List<InetAddress> addresses = new java.util.ArrayList<>();
      for (String a : found) {
        addresses.add(InetAddress.getByName(a));
      }
      return addresses;
    };
  }
}
