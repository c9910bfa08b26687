package dev.laneway.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/ARCHITECTURE.md's module rule, checked against the main classes of every module: a module imports only the
 * packages of the modules it may depend on ({@code base} is open to all), only {@code gateway} and
 * {@code lanes.remote} import Vert.x, only {@code observability} touches the OpenTelemetry SDK. A violation fails the
 * build with the offending class, member and line.
 */
class ModuleRuleTest {
  static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.laneway");
  }

  @Test
  void modulesDependOnlyOnWhatTheRuleAllows() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("base").definedBy("dev.laneway.base..")
        .layer("topology").definedBy("dev.laneway.topology..")
        .layer("native").definedBy("dev.laneway.runtime..")
        .layer("executor").definedBy("dev.laneway.executor..")
        .layer("protocol").definedBy("dev.laneway.protocol..", "dev.laneway.oip..")
        .layer("lanes").definedBy("dev.laneway.lanes..")
        .layer("routing").definedBy("dev.laneway.routing..")
        .layer("observability").definedBy("dev.laneway.observability..")
        .layer("gateway").definedBy("dev.laneway.gateway..")
        .layer("loadtests").definedBy("dev.laneway.loadtests..")
        .whereLayer("gateway").mayNotBeAccessedByAnyLayer()
        .whereLayer("loadtests").mayNotBeAccessedByAnyLayer()
        .whereLayer("routing").mayOnlyBeAccessedByLayers("gateway")
        .whereLayer("lanes").mayOnlyBeAccessedByLayers("gateway")
        .whereLayer("observability").mayOnlyBeAccessedByLayers("gateway")
        .whereLayer("executor").mayOnlyBeAccessedByLayers("lanes", "loadtests")
        .whereLayer("native").mayOnlyBeAccessedByLayers("executor", "loadtests")
        .whereLayer("protocol").mayOnlyBeAccessedByLayers("lanes", "gateway", "loadtests")
        .whereLayer("topology").mayOnlyBeAccessedByLayers("lanes", "routing", "gateway")
        .check(classes);
  }

  @Test
  void onlyTheGatewayAndRemoteLanesImportVertx() {
    noClasses().that().resideOutsideOfPackages("dev.laneway.gateway..", "dev.laneway.lanes.remote..",
            "dev.laneway.loadtests..")
        .should().dependOnClassesThat().resideInAPackage("io.vertx..")
        .because("nothing below the gateway imports Vert.x, but a remote lane is a Vert.x gRPC client")
        .check(classes);
  }

  @Test
  void onlyObservabilityTouchesTheOpenTelemetrySdk() {
    noClasses().that().resideOutsideOfPackage("dev.laneway.observability..")
        .should().dependOnClassesThat().resideInAPackage("io.opentelemetry.sdk..")
        .because("modules record through opentelemetry-api; observability wires the SDK")
        .check(classes);
  }
}
