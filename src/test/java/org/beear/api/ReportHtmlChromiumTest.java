package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/**
 * The report page is rendered by a real browser: its DOM holds both plots and its pixels show the ASR line. The page
 * needs a key, which a browser on the command line cannot send, so it is fetched with the key and the fetched HTML is
 * rendered from a file (it is self-contained: no scripts, images or links to load).
 */
class ReportHtmlChromiumTest extends ServiceTestBase {

  private static final Pattern POLYLINE =
      Pattern.compile("<polyline[^>]*data-series=\"([^\"]+)\"[^>]*points=\"([^\"]+)\"");

  @Test
  void reportPageRendersPerEpochAsrAndLossPlotsInHeadlessChromium() throws Exception {
    Optional<String> chromium = findChromium();
    assumeTrue(chromium.isPresent(), "chromium is not installed (CI installs it)");
    String id = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 4, "inner_steps": 1},
         "evaluation": {"triggers": [{"text": "SUDO", "position": "suffix"}]}}"""
        .formatted(fileUri(model(uniqueName("report")))));
    awaitStatus(id, "succeeded");
    HttpResponse<String> page = get("/api/v1/cleanse-jobs/" + id + "/report.html");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body()).doesNotContain("<script").doesNotContain("src=").doesNotContain("href=");

    Path dir = Files.createTempDirectory("beear-chromium");
    String pageUrl = Files.writeString(dir.resolve("report.html"), page.body(), StandardCharsets.UTF_8).toUri()
        .toString();
    String dom = run(dir, chromium.get(), "--dump-dom", pageUrl);
    assertThat(dom).contains("<svg id=\"asr-chart\"", "<svg id=\"loss-chart\"");
    assertThat(dom).contains("id=\"status\">succeeded<");
    Matcher m = POLYLINE.matcher(dom);
    int series = 0;
    while (m.find()) {
      series++;
      assertThat(m.group(2).trim().split("\\s+")).as("one point per epoch for %s", m.group(1)).hasSize(4);
    }
    assertThat(series).as("3 ASR series and 3 loss series").isEqualTo(6);

    Path png = dir.resolve("report.png");
    run(dir, chromium.get(), "--screenshot=" + png, "--window-size=1000,1600", pageUrl);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).isNotNull();
    assertThat(countPixels(image, 0xd6, 0x27, 0x28)).as("red perturbation-ASR line drawn").isGreaterThan(50);
    assertThat(countPixels(image, 0x94, 0x67, 0xbd)).as("purple entrapment-loss line drawn").isGreaterThan(50);
  }

  private static int countPixels(BufferedImage image, int r, int g, int b) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y);
        if (Math.abs(((rgb >> 16) & 0xff) - r) < 12 && Math.abs(((rgb >> 8) & 0xff) - g) < 12
            && Math.abs((rgb & 0xff) - b) < 12) {
          n++;
        }
      }
    }
    return n;
  }

  private static String run(Path dir, String chromium, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(chromium, "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=" + dir.resolve("profile")));
    command.addAll(List.of(args));
    File log = dir.resolve("chromium.log").toFile();
    Path out = dir.resolve("stdout.txt");
    Process process = new ProcessBuilder(command).redirectError(log).redirectOutput(out.toFile()).start();
    assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    assertThat(process.exitValue()).as(Files.readString(log.toPath())).isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static Optional<String> findChromium() {
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        if (Files.isExecutable(Path.of(dir, name))) {
          return Optional.of(Path.of(dir, name).toString());
        }
      }
    }
    return Optional.empty();
  }
}
