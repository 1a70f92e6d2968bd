package io.flagramp.metrics;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS trust in exactly the CA certificates of one PEM text (the {@code ca.crt} of an auth Secret) and
 * in nothing else: a Prometheus behind a private CA must not be reachable through a public one, nor
 * the other way round.
 */
record PemTrust(SSLSocketFactory socketFactory, X509TrustManager trustManager) {

  /**
   * Reads every certificate in {@code pem} (text around and between the blocks is ignored).
   *
   * @throws GeneralSecurityException if there is no readable certificate in it
   */
  static PemTrust of(String pem) throws GeneralSecurityException {
    Collection<? extends Certificate> certificates;
    try {
      certificates = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (CertificateException e) {
      // Not kept as the cause: the JDK's message may quote the text it could not read.
      throw new CertificateException("not a PEM certificate");
    }
    if (certificates.isEmpty()) {
      throw new CertificateException("no certificate in it");
    }
    KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      anchors.load(null, null);
    } catch (IOException e) {
      // An empty in-memory store reads nothing; this cannot happen.
      throw new IllegalStateException(e);
    }
    int n = 0;
    for (Certificate certificate : certificates) {
      anchors.setCertificateEntry("ca-" + n++, certificate);
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(anchors);
    X509TrustManager trustManager = null;
    for (TrustManager candidate : factory.getTrustManagers()) {
      if (candidate instanceof X509TrustManager x509) {
        trustManager = x509;
      }
    }
    if (trustManager == null) {
      throw new GeneralSecurityException("the JDK offers no X.509 trust manager");
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {trustManager}, null);
    return new PemTrust(context.getSocketFactory(), trustManager);
  }
}
