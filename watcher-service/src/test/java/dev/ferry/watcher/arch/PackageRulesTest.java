package dev.ferry.watcher.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.ferry.watcher.runtime.WatcherRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The watcher's package rules (see the watcher's package-info.java): its top-level packages form no cycle, and each
 * depends only on the packages below it in {@link #ORDER}. The pipeline reads downward: {@code watch} (file system
 * events) -> {@code sync} (detect, batch, the session) -> {@code upload} (chunks) -> {@code store} (the connection).
 * A lower stage reaches an upper one only through an interface of its own package that the upper implements.
 */
class PackageRulesTest {
    private static final String ROOT = "dev.ferry.watcher";

    /** Top to bottom: a package may depend on the packages after it, never on one before it. */
    static final List<String> ORDER = List.of(
            // the shell: command line, dry run, HTTP, health and metrics views of the running watcher
            "cli", "dryrun", "rest", "health", "metrics",
            // version history: list a path's versions, rebuild a file or folder from the store's chunks
            "restore",
            // the composition root: builds the pipeline, owns its threads
            "runtime",
            // settings, and the progress line shown while it runs
            "config", "progress",
            // the pipeline, in the order a change travels
            "watch", "sync", "upload", "store",
            // what the pipeline stands on: reading the source, the local state, ignore rules, send controls
            "scan", "state", "ignore", "control");

    private static JavaClasses classes;

    /** The watcher's main classes only (the folder or jar WatcherRuntime came from), not the whole classpath. */
    @BeforeAll
    static void importClasses() throws Exception {
        Path main = Path.of(WatcherRuntime.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPath(main);
        if (classes.stream().noneMatch(c -> c.getPackageName().startsWith(ROOT + ".sync"))) {
            throw new AssertionError("no watcher classes found in " + main);
        }
    }

    @Test
    void topLevelPackagesFormNoCycle() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void eachPackageDependsOnlyOnThoseBelowIt() {
        List<String> failures = new ArrayList<>();
        for (int i = 1; i < ORDER.size(); i++) {
            String[] above = ORDER.subList(0, i).stream().map(p -> ROOT + "." + p + "..").toArray(String[]::new);
            ArchRule rule = noClasses().that().resideInAPackage(ROOT + "." + ORDER.get(i) + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(above)
                    .because(ORDER.get(i) + " sits below " + String.join(", ", ORDER.subList(0, i)));
            try {
                rule.check(classes);
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(String.join("\n\n", failures));
        }
    }

    @Test
    void onlyTheRuntimeReachesTheTopOfThePipeline() {
        noClasses().that().resideOutsideOfPackages(ROOT + ".runtime..", ROOT + ".watch..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".watch..")
                .because("runtime, the composition root, is the only package that may depend on every stage")
                .check(classes);
    }

    @Test
    void everyPackageIsInTheOrder() {
        List<String> unplaced = classes.stream()
                .map(c -> c.getPackageName())
                .filter(p -> p.startsWith(ROOT + "."))
                .map(p -> p.substring(ROOT.length() + 1).split("\\.")[0])
                .distinct()
                .filter(p -> !ORDER.contains(p))
                .toList();
        if (!unplaced.isEmpty()) {
            throw new AssertionError("packages missing from PackageRulesTest.ORDER (place each one): " + unplaced);
        }
    }
}
