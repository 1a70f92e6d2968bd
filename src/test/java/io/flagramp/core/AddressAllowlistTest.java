package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The allowlist reads every address in the one form the operator sends: spellings of an allowed
 * address are that address, a path cannot climb out of the entry it was allowed under, and the
 * machine's own and link-local addresses are reached only where an entry names them.
 */
class AddressAllowlistTest {

  private static final String PROMETHEUS = Spellings.PROMETHEUS;

  @Test
  void sixtyFourSpellingsOfTheAllowedAddressAreOneAddressInTheFormSent() {
    AddressAllowlist allowlist = AddressAllowlist.parse(PROMETHEUS);

    List<String> spellings = Spellings.of64();
    Set<String> canonical = spellings.stream().map(s -> HttpAddress.base(s).toString()).collect(Collectors.toSet());

    assertThat(spellings).hasSize(64).doesNotHaveDuplicates().allMatch(allowlist::allows);
    assertThat(canonical).containsExactly(PROMETHEUS);
  }

  @Test
  void dotDotCannotLeaveAnAllowlistedPathHoweverItIsWritten() {
    AddressAllowlist allowlist = AddressAllowlist.parse("http://thanos.example:10902/tenant-a");

    assertThat(allowlist.allows("http://thanos.example:10902/tenant-a")).isTrue();
    assertThat(allowlist.allows("http://thanos.example:10902/tenant-a/./x/../y")).isTrue();
    assertThat(HttpAddress.base("http://thanos.example:10902/tenant-a/./x/../y").path()).isEqualTo("/tenant-a/y");
    for (String out : List.of("/tenant-a/../tenant-b", "/tenant-a/%2e%2e/tenant-b", "/tenant-a/%2E./tenant-b",
        "/tenant-a/.%2e/tenant-b", "/tenant-a//../tenant-b", "/tenant-a/x/../../tenant-b", "/tenant-a/..",
        "/tenant-ab", "/Tenant-A", "/tenant-a/../../../tenant-b")) {
      assertThat(allowlist.allows("http://thanos.example:10902" + out)).as(out).isFalse();
    }
    // Forms a server or proxy could read as other segments are refused, not guessed at.
    for (String twice : List.of("/tenant-a/..%2ftenant-b", "/tenant-a/%2e%2e%2ftenant-b", "/tenant-a/..;/tenant-b",
        "/tenant-a/%5c../tenant-b", "/tenant-a/%252e%252e/tenant-b", "/tenant-a\\..\\tenant-b")) {
      assertThatThrownBy(() -> HttpAddress.base("http://thanos.example:10902" + twice)).as(twice)
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(allowlist.allows("http://thanos.example:10902" + twice)).as(twice).isFalse();
    }
  }

  @Test
  void anEmptyListAllowsNothingAndTheOperatorsDefaultListIsEmpty() {
    AddressAllowlist none = AddressAllowlist.parse("");

    assertThat(none.isEmpty()).isTrue();
    assertThat(none.allows(PROMETHEUS)).isFalse();
    assertThat(none.toString()).isEqualTo("<none>");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://169.254.169.254/latest/meta-data", "http://[fe80::1]:80/", "http://127.0.0.1:9090",
      "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/", "http://[::1]/",
      "http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/", "http://0.0.0.0:9090", "http://0/",
      "http://[64:ff9b::a9fe:a9fe]/", "http://[::]/"})
  void loopbackAndLinkLocalAreRefusedUnlessAnEntryNamesThatHostItself(String address) {
    HttpAddress a = HttpAddress.base(address);
    AddressAllowlist wide = AddressAllowlist.parse("*.0.1.example, *.svc, *.0.0.1.nip.io");

    assertThat(a.hostIsLocal()).isTrue();
    assertThat(wide.refusal(a)).contains(AddressAllowlist.Refusal.LOCAL);
    assertThat(AddressAllowlist.parse("").refusal(a)).contains(AddressAllowlist.Refusal.LOCAL);
    String origin = a.origin();
    assertThat(AddressAllowlist.parse(origin).allows(a)).as("named by a base URL").isTrue();
    String host = a.host().contains(":") ? "[" + a.host() + "]" : a.host();
    assertThat(AddressAllowlist.parse(host).allows(a)).as("named as a host").isTrue();
  }

  @Test
  void theWaysOfWritingOneIpv4AddressAreOne() {
    for (String spelling : List.of("2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1", "127.1", "127.0.1",
        "0x7F.0.0.0x1", "127.000.000.001")) {
      assertThat(HttpAddress.base("http://" + spelling + ":9090").toString()).as(spelling)
          .isEqualTo("http://127.0.0.1:9090");
    }
    assertThat(HttpAddress.base("http://[::FFFF:127.0.0.1]:9090").toString()).isEqualTo("http://127.0.0.1:9090");
    assertThat(HttpAddress.base("http://[2001:DB8:0:0:0:0:0:1]").toString()).isEqualTo("http://[2001:db8::1]");
    for (String notAnAddress : List.of("256.1.1.1", "1.2.3.4.5", "example.123", "09.1.1.1", "1..1")) {
      assertThatThrownBy(() -> HttpAddress.base("http://" + notAnAddress + "/")).as(notAnAddress)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aPatternStandsForNamesBelowItNeverForAddressesNorForTheDomainItself() {
    AddressAllowlist allowlist = AddressAllowlist.parse("*.monitoring.svc");

    assertThat(allowlist.allows("http://thanos.monitoring.svc:10902")).isTrue();
    assertThat(allowlist.allows("https://a.b.monitoring.svc")).isTrue();
    assertThat(allowlist.allows("http://monitoring.svc")).isFalse();
    assertThat(allowlist.allows("http://evilmonitoring.svc")).isFalse();
    assertThat(allowlist.allows("http://monitoring.svc.evil.example")).isFalse();
    assertThat(allowlist.namesHost("thanos.monitoring.svc")).as("named only through the pattern").isFalse();
    assertThat(AddressAllowlist.parse("localhost, http://prometheus:9090").namesHost("localhost")).isTrue();
    assertThat(AddressAllowlist.parse("localhost, http://prometheus:9090").namesHost("prometheus")).isTrue();
    assertThatThrownBy(() -> AddressAllowlist.parse("*.0.0.1")).hasMessageContaining("cannot stand for IP addresses");
  }

  @Test
  void userInfoAQueryStringAndWhatCannotBeReadTwoWaysAreRefusedWithoutQuotingTheAddress() {
    AddressAllowlist allowlist = AddressAllowlist.parse(PROMETHEUS);

    for (String refused : List.of("http://user:pass@prometheus.monitoring.svc:9090",
        "http://prometheus.monitoring.svc:9090/?query=up", "http://prometheus.monitoring.svc:9090?x#y",
        "http://prometheus.monitoring.svc:9090/a b", "http://prometheus.monitoring.svc:9090/\u00e9",
        "http://prometheus.monitoring.svc:9090/%00", "ftp://prometheus.monitoring.svc:9090",
        "http:/prometheus.monitoring.svc:9090", "http://prometheus.monitoring.svc:0", "http://[::1%25eth0]/",
        "http://prometheus.monitoring.svc:99999", "http://prom\u0435theus.monitoring.svc:9090", "http://")) {
      assertThat(allowlist.allows(refused)).as(refused).isFalse();
      assertThatThrownBy(() -> HttpAddress.base(refused)).as(refused).isInstanceOf(IllegalArgumentException.class)
          .message().doesNotContain("prometheus.monitoring");
    }
  }

  @Test
  void aUrlKeepsItsQueryStringAndTrailingSlashABaseAddressNeither() {
    HttpAddress url = HttpAddress.url("HTTPS://Chat.Example.com:443/v1/spaces/AAA/messages/?key=K%2f&token='t'#x");
    HttpAddress base = HttpAddress.base("https://chat.example.com/v1/prom/");

    assertThat(url.toString()).isEqualTo("https://chat.example.com/v1/spaces/AAA/messages/?key=K%2F&token=%27t%27");
    assertThat(base.toString()).isEqualTo("https://chat.example.com/v1/prom");
    assertThat(AddressAllowlist.parse("https://chat.example.com/v1/spaces/").allows(url)).isTrue();
    assertThat(AddressAllowlist.parse("https://chat.example.com/v1/spaces/BBB").allows(url)).isFalse();
  }

  @Test
  void theOperatorsDefaultAddressMayBeNamedThoughNotListed() {
    AddressAllowlist allowlist = AddressAllowlist.parse("").including(HttpAddress.base(PROMETHEUS));

    assertThat(allowlist.allows(PROMETHEUS)).isTrue();
    assertThat(allowlist.allows(PROMETHEUS + "/prefix")).isTrue();
    assertThat(allowlist.allows("http://prometheus.monitoring.svc:9091")).isFalse();
  }

  @Test
  void theDefaultAddressAlreadyListedIsListedOnce() {
    AddressAllowlist allowlist = AddressAllowlist.parse(PROMETHEUS).including(HttpAddress.base(PROMETHEUS));

    assertThat(allowlist).hasToString(AddressAllowlist.parse(PROMETHEUS).toString());
  }

  @Test
  void printedWithoutPathsWhenAPathCouldBeASecret() {
    AddressAllowlist allowlist = AddressAllowlist.parse("https://hooks.slack.com/services/T0001/B0002/s3cr3t,"
        + " *.Chat.Example.com, HTTP://127.0.0.1:8080");

    assertThat(allowlist.withoutPaths())
        .isEqualTo("https://hooks.slack.com/…,*.chat.example.com,http://127.0.0.1:8080");
    assertThat(allowlist.toString()).contains("/services/T0001/B0002/s3cr3t");
  }
}
