package io.herald.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.typesafe.config.ConfigFactory;
import io.herald.node.auth.Revocations;
import io.herald.node.config.HeraldConfig;
import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The order of the connect checks, on a hand-driven clock and executors: refusals that need no
 * cryptography spend nothing, the node's connect budget is spent only by admitted connects, a signature
 * is checked only on the verification executor (never on the caller's thread), and a full verification
 * queue refuses with 503 before any cryptography.
 */
class ConnectionAdmissionTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef-unit-secret";
  private static final String ORIGIN = "https://app.example.com";

  private long now = 1_000_000_000L;

  /** Runs tasks only when told to; refuses past {@code capacity} waiting tasks, as a bounded pool does. */
  private static final class HeldExecutor implements Executor {
    final Queue<Runnable> tasks = new ArrayDeque<>();
    final int capacity;

    HeldExecutor(int capacity) {
      this.capacity = capacity;
    }

    @Override
    public void execute(Runnable task) {
      if (tasks.size() >= capacity) {
        throw new RejectedExecutionException("full");
      }
      tasks.add(task);
    }

    void runAll() {
      for (Runnable task; (task = tasks.poll()) != null; ) {
        task.run();
      }
    }
  }

  private ConnectionAdmission admission(Map<String, Object> overrides, Executor verification) {
    Map<String, Object> all = new HashMap<>(Map.of(
        "herald.auth.mode", "required",
        "herald.auth.jwt.hmac-secret", SECRET,
        "herald.http.allowed-origins", ORIGIN,
        "herald.http.max-connections", 100,
        "herald.http.new-connections-per-second", 1,
        "herald.http.per-address.exempt", ""));
    all.putAll(overrides);
    HeraldSettings settings = HeraldSettings.from(HeraldConfig.load(ConfigFactory.parseMap(all)));
    return new ConnectionAdmission(settings, new Revocations(Duration.ofHours(1), java.time.Clock.systemUTC()), new NodeMetrics(), () -> now, verification);
  }

  private static String token(String sub) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject(sub).build());
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private static String forged(String sub) throws Exception {
    String good = token(sub);
    return good.substring(0, good.lastIndexOf('.') + 1) + "AAAA" + good.substring(good.lastIndexOf('.') + 5);
  }

  private static InetAddress address(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  private ConnectionAdmission.Decision screen(ConnectionAdmission admission, InetAddress client, String token, String origin) {
    Map<String, String> params = new HashMap<>();
    if (token != null) {
      params.put("token", token);
    }
    return admission.screen(admission.clientOf(new InetSocketAddress(client, 5000)), 1, params, origin, "node.example.com", null);
  }

  /** Screens and verifies with the executors run by hand; the decision the connection would get. */
  private ConnectionAdmission.Decision decide(
      ConnectionAdmission admission, HeldExecutor verification, InetAddress client, String token, String origin) {
    ConnectionAdmission.Decision screened = screen(admission, client, token, origin);
    if (!(screened instanceof ConnectionAdmission.CheckToken check)) {
      return screened;
    }
    HeldExecutor loop = new HeldExecutor(Integer.MAX_VALUE);
    AtomicReference<ConnectionAdmission.Decision> decided = new AtomicReference<>();
    admission.verify(check, loop, decided::set);
    verification.runAll();
    loop.runAll();
    return decided.get();
  }

  private static int status(ConnectionAdmission.Decision decision) {
    return decision instanceof ConnectionAdmission.Refuse refuse ? refuse.status().code() : 101;
  }

  @Test
  void badConnectsDoNotSpendTheNodesConnectBudget() throws Exception {
    HeldExecutor verification = new HeldExecutor(Integer.MAX_VALUE);
    ConnectionAdmission admission = admission(Map.of(), verification);
    InetAddress attacker = address("192.0.2.7");
    for (int i = 0; i < 20; i++) { // no clock advance: a budget of one per second cannot refill
      assertThat(status(decide(admission, verification, attacker, null, ORIGIN))).as("no token").isEqualTo(403);
      assertThat(status(decide(admission, verification, attacker, "a.b", ORIGIN))).as("malformed").isEqualTo(403);
      assertThat(status(decide(admission, verification, attacker, token("x"), "https://evil.example.net")))
          .as("foreign origin").isEqualTo(403);
      assertThat(status(decide(admission, verification, attacker, forged("x"), ORIGIN))).as("bad signature").isEqualTo(403);
    }
    assertThat(decide(admission, verification, address("198.51.100.1"), token("valid"), ORIGIN))
        .isInstanceOf(ConnectionAdmission.Admit.class);
    assertThat(decide(admission, verification, address("198.51.100.2"), token("second"), ORIGIN))
        .as("the budget of one per second is spent by the admitted connect")
        .isEqualTo(new ConnectionAdmission.Refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many new connections", 1));
  }

  @Test
  void theSignatureIsCheckedOnlyOnTheVerificationExecutor() throws Exception {
    HeldExecutor verification = new HeldExecutor(Integer.MAX_VALUE);
    ConnectionAdmission admission = admission(Map.of(), verification);
    ConnectionAdmission.Decision screened = screen(admission, address("198.51.100.1"), forged("x"), ORIGIN);
    assertThat(screened).isInstanceOf(ConnectionAdmission.CheckToken.class);
    HeldExecutor loop = new HeldExecutor(Integer.MAX_VALUE);
    AtomicReference<ConnectionAdmission.Decision> decided = new AtomicReference<>();
    admission.verify((ConnectionAdmission.CheckToken) screened, loop, decided::set);
    assertThat(decided).as("nothing decided on the caller's thread").hasValue(null);
    assertThat(verification.tasks).hasSize(1);
    verification.runAll();
    assertThat(decided).as("the decision is handed to the connection's loop").hasValue(null);
    loop.runAll();
    assertThat(status(decided.get())).isEqualTo(403);
  }

  @Test
  void aFullVerificationQueueRefusesWith503BeforeAnyCryptography() throws Exception {
    HeldExecutor verification = new HeldExecutor(2);
    ConnectionAdmission admission = admission(Map.of(), verification);
    AtomicReference<ConnectionAdmission.Decision> decided = new AtomicReference<>();
    for (int i = 0; i < 3; i++) {
      ConnectionAdmission.Decision screened = screen(admission, address("198.51.100." + (i + 1)), forged("x" + i), ORIGIN);
      admission.verify((ConnectionAdmission.CheckToken) screened, Runnable::run, decided::set);
    }
    assertThat(decided.get())
        .isEqualTo(new ConnectionAdmission.Refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many connects verifying", 1));
    assertThat(verification.tasks).hasSize(2);
  }

  @Test
  void oneAddressIsHeldToItsOwnConnectRate() throws Exception {
    HeldExecutor verification = new HeldExecutor(Integer.MAX_VALUE);
    ConnectionAdmission admission =
        admission(
            Map.of(
                "herald.http.per-address.connects-per-second", 1,
                "herald.http.per-address.connect-burst", 3,
                "herald.http.new-connections-per-second", 0),
            verification);
    InetAddress busy = address("192.0.2.7");
    for (int i = 0; i < 3; i++) {
      assertThat(status(decide(admission, verification, busy, token("u"), ORIGIN))).as("within the burst").isEqualTo(101);
    }
    assertThat(decide(admission, verification, busy, token("u"), ORIGIN))
        .isEqualTo(new ConnectionAdmission.Refuse(HttpResponseStatus.TOO_MANY_REQUESTS, "too many connects from this address", 1));
    assertThat(status(decide(admission, verification, address("192.0.2.8"), token("v"), ORIGIN)))
        .as("another address").isEqualTo(101);
    now += 1_000_000_000L;
    assertThat(status(decide(admission, verification, busy, token("u"), ORIGIN))).as("a second later").isEqualTo(101);
  }
}
