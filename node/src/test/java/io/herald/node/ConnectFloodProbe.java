package io.herald.node;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A measuring tool, not a test (issue 15, item 8): the heartbeat round trip of an open socket while
 * forged RS256/ES256 tokens flood a node, and the latency of sequential connect + join. Run with the
 * node jar on the class path (it holds Nimbus):
 *
 * <pre>
 * java -cp node/target/herald-node.jar node/src/test/java/io/herald/node/ConnectFloodProbe.java keys DIR
 *     (writes rsa.pem and ec.pem for herald.auth.jwt.public-key-file, rsa.jwk and ec.jwk for the probe)
 * ... ConnectFloodProbe.java flood PORT rs256|es256 DIR QUIET_S FLOOD_S THREADS
 *     (one socket heartbeats every 20 ms: QUIET_S s alone, then FLOOD_S s beside THREADS clients
 *      connecting with forged tokens, each signed by a key the node does not know)
 * ... ConnectFloodProbe.java latency PORT hs256|rs256|es256|off DIR N
 *     (N sequential connect + upgrade + join with valid tokens; hs256 uses SECRET below)
 * </pre>
 */
public final class ConnectFloodProbe {
  private ConnectFloodProbe() {}

  public static void main(String[] a) throws Exception {
    if (a[0].equals("keys")) {
      Path dir = Path.of(a[1]);
      RSAKey rsa = new RSAKeyGenerator(2048).generate();
      ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
      Files.writeString(dir.resolve("rsa.jwk"), rsa.toJSONString());
      Files.writeString(dir.resolve("ec.jwk"), ec.toJSONString());
      Files.writeString(dir.resolve("rsa.pem"), pem(rsa.toPublicKey().getEncoded()));
      Files.writeString(dir.resolve("ec.pem"), pem(ec.toPublicKey().getEncoded()));
      return;
    }
    if (a[0].equals("latency")) {
      latency(Integer.parseInt(a[1]), a[2], Path.of(a[3]), Integer.parseInt(a[4]));
      return;
    }
    if (!a[0].equals("flood")) {
      throw new IllegalArgumentException("keys, flood or latency");
    }
    int port = Integer.parseInt(a[1]);
    boolean rs = a[2].equals("rs256");
    Path dir = Path.of(a[3]);
    int quiet = Integer.parseInt(a[4]), flood = Integer.parseInt(a[5]), threads = Integer.parseInt(a[6]);
    JWSSigner good, bad;
    JWSAlgorithm alg = rs ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256;
    if (rs) {
      good = new RSASSASigner(RSAKey.parse(Files.readString(dir.resolve("rsa.jwk"))));
      bad = new RSASSASigner(new RSAKeyGenerator(2048).generate());
    } else {
      good = new ECDSASigner(ECKey.parse(Files.readString(dir.resolve("ec.jwk"))));
      bad = new ECDSASigner(new ECKeyGenerator(Curve.P_256).generate());
    }
    List<String> forged = new ArrayList<>();
    for (int i = 0; i < 500; i++) forged.add(sign(bad, alg, "forger" + i));
    Socket hb = new Socket("127.0.0.1", port);
    hb.setTcpNoDelay(true);
    hb.setSoTimeout(30_000);
    OutputStream out = hb.getOutputStream();
    DataInputStream in = new DataInputStream(new BufferedInputStream(hb.getInputStream()));
    out.write(request(port, sign(good, alg, "open")));
    String status = line(in);
    while (!line(in).isEmpty()) {}
    if (!status.contains("101")) throw new IllegalStateException(status);
    List<long[]> samples = Collections.synchronizedList(new ArrayList<>());
    Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    AtomicInteger sent = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    long floodStart = start + quiet * 1_000_000_000L, end = floodStart + flood * 1_000_000_000L;
    for (int t = 0; t < threads; t++) {
      pool.submit(() -> {
        while (System.nanoTime() < floodStart) Thread.sleep(1);
        int i = 0;
        while (System.nanoTime() < end) {
          String tok = forged.get(ThreadLocalRandom.current().nextInt(forged.size()));
          try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request(port, tok));
            String st = line(new DataInputStream(s.getInputStream()));
            String code = st.length() > 12 ? st.substring(9, 12) : "closed";
            answers.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
          } catch (IOException e) {
            answers.computeIfAbsent("io", k -> new AtomicInteger()).incrementAndGet();
          }
          sent.incrementAndGet();
        }
        return null;
      });
    }
    int ref = 0;
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      out.write(frame("[null,\"" + (ref++) + "\",\"phoenix\",\"heartbeat\",{}]"));
      readFrame(in);
      long t1 = System.nanoTime();
      samples.add(new long[] {t0 < floodStart ? 0 : 1, t1 - t0});
      long next = t0 + 20_000_000L;
      while (System.nanoTime() < next) Thread.sleep(1);
    }
    pool.shutdown();
    pool.awaitTermination(30, TimeUnit.SECONDS);
    System.out.printf("%s threads=%d flood=%ds connects=%d (%.0f/s) answers=%s%n", a[2], threads, flood, sent.get(),
        sent.get() / (double) flood, answers);
    report("quiet", samples, 0);
    report("flood", samples, 1);
  }

  static final String SECRET = "0123456789abcdef0123456789abcdef-probe-secret";

  /** N sequential connect + upgrade + join with a valid token; the first N/4 are a warm-up. */
  static void latency(int port, String alg, Path dir, int n) throws Exception {
    JWSSigner signer;
    JWSAlgorithm a;
    switch (alg) {
      case "hs256" -> { signer = new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)); a = JWSAlgorithm.HS256; }
      case "rs256" -> { signer = new RSASSASigner(RSAKey.parse(Files.readString(dir.resolve("rsa.jwk")))); a = JWSAlgorithm.RS256; }
      case "es256" -> { signer = new ECDSASigner(ECKey.parse(Files.readString(dir.resolve("ec.jwk")))); a = JWSAlgorithm.ES256; }
      default -> { signer = null; a = null; }
    }
    String query = "";
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String token = null;
      if (signer != null) {
        SignedJWT jwt = new SignedJWT(new JWSHeader(a), new JWTClaimsSet.Builder().subject("u" + i)
            .expirationTime(new Date(System.currentTimeMillis() + 3_600_000))
            .claim("channels", Map.of("room:*", List.of("join"))).build());
        jwt.sign(signer);
        token = jwt.serialize();
      }
      long t0 = System.nanoTime();
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setTcpNoDelay(true);
        s.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
        s.getOutputStream().write(request(port, token == null ? "none" : token));
        String st = line(in);
        while (!line(in).isEmpty()) {}
        if (!st.contains("101")) throw new IllegalStateException(st);
        s.getOutputStream().write(frame("[\"1\",\"1\",\"room:" + (i % 100) + "\",\"phx_join\",{}]"));
        readFrame(in);
      }
      if (i >= n / 4) times.add(System.nanoTime() - t0);
    }
    long[] v = times.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("%s connect+join (sequential, %d measured after %d warm-up): p50=%.3f p90=%.3f p99=%.3f mean=%.3f ms%n",
        alg, v.length, n / 4, v[v.length / 2] / 1e6, v[(int) (v.length * 0.9)] / 1e6, v[(int) (v.length * 0.99)] / 1e6,
        Arrays.stream(v).average().orElse(0) / 1e6);
  }

  static void report(String what, List<long[]> samples, long phase) {
    long[] v = samples.stream().filter(s -> s[0] == phase).mapToLong(s -> s[1]).sorted().toArray();
    if (v.length == 0) return;
    System.out.printf("  heartbeat RTT %s: n=%d p50=%.2f ms p90=%.2f p99=%.2f max=%.2f ms%n", what, v.length,
        v[v.length / 2] / 1e6, v[(int) (v.length * 0.9)] / 1e6, v[(int) Math.min(v.length - 1, v.length * 0.99)] / 1e6, v[v.length - 1] / 1e6);
  }

  static String sign(JWSSigner signer, JWSAlgorithm alg, String sub) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(alg), new JWTClaimsSet.Builder().subject(sub)
        .expirationTime(new Date(System.currentTimeMillis() + 3_600_000)).build());
    jwt.sign(signer);
    return jwt.serialize();
  }

  static String pem(byte[] der) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END PUBLIC KEY-----\n";
  }

  static byte[] request(int port, String token) {
    return ("GET /socket/websocket?vsn=2.0.0&token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] frame(String text) {
    byte[] p = text.getBytes(StandardCharsets.UTF_8);
    byte[] f = new byte[6 + p.length];
    f[0] = (byte) 0x81; f[1] = (byte) (0x80 | p.length);
    for (int i = 0; i < p.length; i++) f[6 + i] = p[i]; // mask 0
    return f;
  }

  static void readFrame(DataInputStream in) throws IOException {
    in.readUnsignedByte();
    int len = in.readUnsignedByte() & 0x7F;
    if (len == 126) len = in.readUnsignedShort();
    in.readFully(new byte[len]);
  }

  static String line(DataInputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') if (c != '\r') b.append((char) c);
    return b.toString();
  }
}
