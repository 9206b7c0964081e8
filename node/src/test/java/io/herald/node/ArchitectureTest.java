package io.herald.node;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * The shape of the node, checked on its compiled classes: features do not import each other in a
 * circle, and Netty stays at the edge, so actors and topics are written and tested without it.
 */
class ArchitectureTest {

  private static final JavaClasses NODE =
      new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.herald.node");

  /** Each package under io.herald.node is one slice (io.herald.node itself, the wiring, is not one). */
  private static ArchRule noCyclesAmongPackagesOf(String root) {
    return slices().matching(root + ".(*)..").should().beFreeOfCycles();
  }

  @Test
  void featurePackagesHaveNoCycles() {
    noCyclesAmongPackagesOf("io.herald.node").check(NODE);
  }

  @Test
  void theCycleRuleCatchesACycle() {
    JavaClasses fixture = new ClassFileImporter().importPackages("io.herald.node.archfixture");
    EvaluationResult result = noCyclesAmongPackagesOf("io.herald.node.archfixture").evaluate(fixture);
    assertThat(result.hasViolation()).isTrue();
    assertThat(result.getFailureReport().toString()).contains("left", "right");
  }

  /**
   * Netty only in the transport, the dispatcher that runs actors on its event loops, the node link
   * (the transport between nodes, on the same loops), and the warm-up, which drives the node through its
   * public port as a client would.
   */
  @Test
  void nettyStaysAtTheEdge() {
    noClasses()
        .that()
        .resideInAPackage("io.herald.node..")
        .and()
        .resideOutsideOfPackages("io.herald.node.transport..", "io.herald.node.dispatch..", "io.herald.node.link..", "io.herald.node.warmup..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.netty..")
        .check(NODE);
  }

  /** What user code implements knows nothing of sockets, topics or the transport. */
  @Test
  void channelApiStandsAlone() {
    noClasses()
        .that()
        .resideInAPackage("io.herald.node.channel..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.herald.node.socket..", "io.herald.node.topic..", "io.herald.node.transport..", "io.herald.node.outlet..")
        .check(NODE);
  }
}
