package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.client.StoreEndpoint;
import io.cutover.local.LocalTables;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The dashboard end to end in a real headless browser (Debian's chromium and chromedriver, no
 * downloads): the migration and its phase are shown, Switch asks for confirmation, the new phase
 * appears, and the registry really changed.
 */
class DashboardIT {
    private static final String TOKEN = "dashboard-token-0123456789";
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static DynamoDbClient client;
    private static EndpointRegistry registry;
    private static ControlServer server;
    private static VerifyRunner verifies;
    private static WebDriver browser;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                "the dashboard test needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver");
        client = LocalTables.client(LocalTables.shared());
        registry = new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable();
        verifies = new VerifyRunner();
        server = new ControlServer(new PhaseSwitcher(registry, new SwitchGates(GateLimits.DEFAULTS, Clock.systemUTC())), verifies, TOKEN,
                new InetSocketAddress("127.0.0.1", 0)).start();
        // Never let Selenium Manager look for (or download) a driver: the path is given explicitly.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile"), "--window-size=1440,1100");
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1440, 1100));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
            verifies.close();
            client.close();
        }
    }

    private static String register(String name, long lagMillis) throws Exception {
        String app = LocalTables.uniqueName(name);
        Path m = dir.resolve(app + "-migrate");
        Path v = dir.resolve(app + "-verify");
        registry.register(app, StoreEndpoint.table("orders"), StoreEndpoint.table("orders-v2"), m.toString(), v.toString(), "ops@host",
                "migration started");
        GateFiles.status(m, "IN_SYNC", lagMillis, 2, 0, Instant.now());
        GateFiles.verify(v, 0, 0, 0);
        return app;
    }

    private static WebElement card(String app) {
        return new WebDriverWait(browser, Duration.ofSeconds(20)).until(
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("section[data-app='" + app + "']")));
    }

    private static void waitForPhase(String app, String label) {
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> {
            try {
                return label.equals(card(app).findElement(By.cssSelector(".phase-current .name")).getText());
            } catch (org.openqa.selenium.StaleElementReferenceException redrawn) {
                return false;
            }
        });
    }

    private static void click(String app, String selector) {
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> {
            try {
                card(app).findElement(By.cssSelector(selector)).click();
                return true;
            } catch (org.openqa.selenium.StaleElementReferenceException redrawn) {
                return false; // the page redraws every poll; find it again
            }
        });
    }

    @Test
    void showsThePhaseSwitchesAfterConfirmationAndTheRegistryChanges() throws Exception {
        String app = register("orders", 35);
        browser.get(server.url().toString());
        assertEquals("Cutover", browser.getTitle());
        waitForPhase(app, "Source only");
        assertEquals("IN_SYNC", card(app).findElement(By.cssSelector(".migration-phase")).getText());
        assertEquals("identical", card(app).findElement(By.cssSelector(".verify-status")).getText());

        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.id("token-save")).click();
        Thread.sleep(4500); // a few polls, so the charts have points
        click(app, ".btn-switch");
        WebElement dialog = new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        assertTrue(browser.findElement(By.id("confirm-text")).getText().startsWith("Source only → Dual write"),
                browser.findElement(By.id("confirm-text")).getText());
        browser.findElement(By.id("confirm-reason")).sendKeys("gates green, dashboard test");
        screenshot("dashboard-confirm.png");
        dialog.findElement(By.id("confirm-ok")).click();

        waitForPhase(app, "Dual write");
        assertEquals(Phase.DUAL_WRITE, registry.require(app).phase());
        var last = registry.history(app).get(1);
        assertEquals("gates green, dashboard test", last.reason());
        assertTrue(last.by().startsWith("api:127.0.0.1"), last.by());
        assertEquals("2", card(app).findElement(By.cssSelector(".version")).getText());
        Thread.sleep(2500);
        screenshot("dashboard.png");
    }

    @Test
    void aSwitchRefusedByTheGatesShowsWhyAndChangesNothing() throws Exception {
        String app = register("lagging", 25_000);
        browser.get(server.url().toString());
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.id("token-save")).click();
        waitForPhase(app, "Source only");
        click(app, ".btn-switch");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        assertTrue(browser.findElement(By.id("confirm-force-row")).isDisplayed(), "failed gates offer the override");
        browser.findElement(By.id("confirm-ok")).click();
        WebElement error = new WebDriverWait(browser, Duration.ofSeconds(10)).until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#confirm-error:not(:empty)")));
        assertTrue(error.getText().contains("lag FAIL 25000 ms"), error.getText());
        assertEquals(Phase.SOURCE_ONLY, registry.require(app).phase());
        browser.findElement(By.id("confirm-cancel")).click();
    }

    private static void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path out = Path.of("target", name);
        Files.createDirectories(out.getParent());
        Files.copy(shot.toPath(), out, StandardCopyOption.REPLACE_EXISTING);
    }
}
