package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.copy.CopyProgress;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The dashboard end to end in a real headless browser (Debian's chromium and chromedriver, no
 * downloads), over a real live migration: the migration and its phase are shown, a verify started
 * from the page makes the gates pass, Switch asks for confirmation, the new phase appears, and the
 * registry really changed. A switch the gates refuse shows why.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {
    private static final String TOKEN = "dashboard-token-0123456789";
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static LocalDynamoDb db;
    private static DynamoDbClient client;
    private static EndpointRegistry registry;
    private static ControlServer server;
    private static VerifyRunner verifies;
    private static WebDriver browser;
    private static DynamoDbMigration migration;
    private static Thread migrationThread;
    private static final AtomicReference<Throwable> MIGRATION_FAILED = new AtomicReference<>();

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                "the dashboard test needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver");
        db = LocalDynamoDb.startInProcess(); // its own server: it holds a stream (see CONTRIBUTING)
        client = LocalTables.client(db);
        registry = new EndpointRegistry(client, "registry").ensureTable();
        verifies = new VerifyRunner();
        server = new ControlServer(new PhaseSwitcher(registry, new SwitchGates(new GateLimits(5000, 1000, 60), Clock.systemUTC())),
                verifies, TOKEN, new InetSocketAddress("127.0.0.1", 0)).start();
        // Never let Selenium Manager look for (or download) a driver: the path is given explicitly.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile"), "--window-size=1440,1000");
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1440, 1000));
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (migration != null) {
            migration.requestStop();
            migrationThread.join(30_000);
            migration.close();
        }
        if (server != null) {
            server.close();
            verifies.close();
            client.close();
            db.close();
        }
    }

    @Test
    @Order(1)
    void aLiveMigrationIsShownVerifiedFromThePageAndSwitchedAfterConfirmation() throws Exception {
        LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable("orders")));
        SampleItems sample = new SampleItems(21, 200);
        LocalTables.load(client, "orders", 500, sample::item);
        Path migrateDir = dir.resolve("migrate");
        Path verifyDir = dir.resolve("verify");
        DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
        migration = new DynamoDbMigration(CopySettings.builder(endpoint, DynamoDbEndpoint.local("target", db.endpoint()))
                .table("orders", "orders-v2").stateDir(migrateDir).build(), "orders", "orders-v2", false);
        migrationThread = new Thread(() -> {
            try {
                migration.run(null, CopyProgress.NONE, s -> { });
            } catch (Throwable t) {
                MIGRATION_FAILED.set(t);
            }
        }, "migration");
        migrationThread.start();
        waitFor(() -> DynamoDbMigration.lastStatus(migrateDir).map(s -> s.phase().equals("IN_SYNC")).orElse(false), 90);
        registry.register("orders-service", new StoreEndpoint("orders", db.endpoint().toString(), null),
                new StoreEndpoint("orders-v2", db.endpoint().toString(), null), migrateDir.toString(), verifyDir.toString(), "ops@host",
                "migration started");

        AtomicBoolean stopWriting = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (long i = 0; !stopWriting.get(); i++) {
                Map<String, AttributeValue> item = new HashMap<>(sample.item(i % 500));
                item.put("note", AttributeValue.fromS("change " + i));
                client.putItem(b -> b.tableName("orders").item(item));
                sleep(i % 100 < 50 ? 8 : 20); // an uneven load, so the charts have a shape
            }
        }, "writer");
        writer.start();

        browser.get(server.url().toString());
        assertEquals("Cutover", browser.getTitle());
        waitForPhase("orders-service", "Source only");
        assertEquals("IN_SYNC", text("orders-service", ".migration-phase"));
        assertEquals("never run", text("orders-service", ".badge.warn"));
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.id("token-save")).click();
        Thread.sleep(8000); // the charts fill while the writer runs
        screenshot("dashboard-live.png");

        stopWriting.set(true);
        writer.join();
        waitFor(() -> DynamoDbMigration.lastStatus(migrateDir).map(s -> s.backlog() == 0).orElse(false), 60);
        Thread.sleep(1500); // the last changes acknowledged, so verify compares settled tables
        click("orders-service", ".btn-verify");
        new WebDriverWait(browser, Duration.ofSeconds(60)).until(d -> "identical".equals(textOrNull("orders-service", ".verify-status")));
        assertTrue(Files.exists(verifyDir.resolve("verify-last.json")), "the verify started from the page kept its result for the gates");

        click("orders-service", ".btn-switch");
        WebElement dialog = new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        assertTrue(browser.findElement(By.id("confirm-text")).getText().startsWith("Source only → Dual write"),
                browser.findElement(By.id("confirm-text")).getText());
        assertTrue(browser.findElements(By.cssSelector("#confirm-gates li.fail")).isEmpty(), "every gate passes");
        browser.findElement(By.id("confirm-reason")).sendKeys("verified from the dashboard");
        browser.findElement(By.id("confirm-by")).sendKeys("alice");
        screenshot("dashboard-confirm.png");
        dialog.findElement(By.id("confirm-ok")).click();

        waitForPhase("orders-service", "Dual write");
        assertEquals(Phase.DUAL_WRITE, registry.require("orders-service").phase());
        var last = registry.history("orders-service").get(1);
        assertEquals("verified from the dashboard", last.reason());
        assertTrue(last.by().startsWith("alice (api:127.0.0.1"), "the dashboard records who acted: " + last.by());
        assertTrue(last.gates().values().stream().allMatch(g -> g.startsWith("PASS")), last.gates().toString());
        assertEquals("2", text("orders-service", ".version"));

        // The rollback sends the phase the page showed, and the name given before (kept for the session).
        click("orders-service", ".btn-rollback");
        WebElement back = new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        back.findElement(By.id("confirm-ok")).click();
        waitForPhase("orders-service", "Source only");
        var rollback = registry.history("orders-service").get(2);
        assertEquals("rollback", rollback.action());
        assertEquals(Phase.DUAL_WRITE, rollback.from());
        assertTrue(rollback.by().startsWith("alice (api:127.0.0.1"), rollback.by());
        Thread.sleep(2500);
        screenshot("dashboard.png");
        assertEquals(null, MIGRATION_FAILED.get());
    }

    @Test
    @Order(2)
    void aSwitchRefusedByTheGatesShowsWhyAndChangesNothing() throws Exception {
        Path m = dir.resolve("lagging-migrate");
        Path v = dir.resolve("lagging-verify");
        registry.register("lagging-service", StoreEndpoint.table("a"), StoreEndpoint.table("b"), m.toString(), v.toString(), "ops@host", null);
        GateFiles.status(m, "IN_SYNC", 25_000, 2, 0, Instant.now());
        GateFiles.verify(v, "a", "b", 0, 0, 0);
        browser.get(server.url().toString());
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.id("token-save")).click();
        waitForPhase("lagging-service", "Source only");
        click("lagging-service", ".btn-switch");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        assertTrue(browser.findElement(By.id("confirm-force-row")).isDisplayed(), "failed gates offer the override");
        browser.findElement(By.id("confirm-ok")).click();
        WebElement error = new WebDriverWait(browser, Duration.ofSeconds(10)).until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#confirm-error:not(:empty)")));
        assertTrue(error.getText().contains("lag FAIL 25000 ms"), error.getText());
        assertEquals(Phase.SOURCE_ONLY, registry.require("lagging-service").phase());
        browser.findElement(By.id("confirm-cancel")).click();
    }

    private static WebElement card(String app) {
        return new WebDriverWait(browser, Duration.ofSeconds(20)).until(
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("section[data-app='" + app + "']")));
    }

    /** The page redraws on every poll: look elements up again instead of keeping them. */
    private static String textOrNull(String app, String selector) {
        try {
            var found = card(app).findElements(By.cssSelector(selector));
            return found.isEmpty() ? null : found.get(0).getText();
        } catch (StaleElementReferenceException redrawn) {
            return null;
        }
    }

    private static String text(String app, String selector) {
        return new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> textOrNull(app, selector));
    }

    private static void waitForPhase(String app, String label) {
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> label.equals(textOrNull(app, ".phase-current .name")));
    }

    private static void click(String app, String selector) {
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> {
            try {
                card(app).findElement(By.cssSelector(selector)).click();
                return true;
            } catch (StaleElementReferenceException redrawn) {
                return false;
            }
        });
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (MIGRATION_FAILED.get() != null) {
                throw new AssertionError("the migration failed", MIGRATION_FAILED.get());
            }
            assertTrue(System.nanoTime() < deadline, "not reached within " + seconds + " s");
            Thread.sleep(200);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path out = Path.of("target", name);
        Files.createDirectories(out.getParent());
        Files.copy(shot.toPath(), out, StandardCopyOption.REPLACE_EXISTING);
    }
}
