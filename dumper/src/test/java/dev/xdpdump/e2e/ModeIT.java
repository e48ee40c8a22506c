package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.sys.DriverInfo;
import dev.xdpdump.sys.NetNamespace;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the program runs: by default in the mode that costs the watched traffic least (tc ingress on veth, after GRO;
 * generic XDP runs on every skb before GRO and native XDP copies every packet), generic or native when asked for, and
 * the listening line names the hook either way.
 */
class ModeIT {
    private static final String IPERF3 = "/usr/bin/iperf3";

    @Test
    void vethIsAVirtualDeviceWithoutABusAddress() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            DriverInfo driver;
            try (NetNamespace ignored = NetNamespace.enter(lab.captureNamespace())) {
                driver = DriverInfo.of(lab.captureInterface());
            }
            assertEquals(new DriverInfo("veth", ""), driver);
            assertFalse(driver.onBus());
        }
    }

    @Test
    void defaultModeOnVethIsTcIngressAndVerboseSaysWhy() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "-v", "json")) {
            String stderr = xdpdump.stderrText();
            assertTrue(stderr.contains("listening on " + lab.captureInterface() + " (ifindex "), stderr);
            assertTrue(stderr.contains(", tc ingress), snapshot length 256 bytes"), stderr);
            assertTrue(stderr.contains("xdpdump: auto mode chose tc ingress: " + lab.captureInterface()
                    + " is a virtual device (driver veth)"), stderr);
            assertFalse(Lab.linkDetails(lab).contains("prog/xdp"), "nothing at the XDP hook:\n" + Lab.linkDetails(lab));
            assertEquals(1, Lab.tcxProgramIds(lab).length, "one program at tcx ingress");
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            assertCapturedMixed(lab, xdpdump.stdoutText());
        }
    }

    @Test
    void genericModeIsStillThereForThoseWhoAskForIt() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "--mode", "generic", "json")) {
            assertTrue(xdpdump.stderrText().contains(", xdp generic), snapshot length"), xdpdump.stderrText());
            assertTrue(Lab.linkDetails(lab).contains("xdpgeneric"), Lab.linkDetails(lab));
            assertEquals(0, Lab.tcxProgramIds(lab).length, "nothing at tcx ingress");
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            assertCapturedMixed(lab, xdpdump.stdoutText());
        }
    }

    @Test
    void defaultModeSaysNothingAboutItsChoiceWithoutVerbose() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "json")) {
            assertFalse(xdpdump.stderrText().contains("auto mode"), xdpdump.stderrText());
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
        }
    }

    @Test
    void nativeModeIsStillThereForThoseWhoAskForIt() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "--mode", "native", "json")) {
            assertTrue(xdpdump.stderrText().contains(", xdp native), snapshot length"), xdpdump.stderrText());
            assertTrue(Lab.linkDetails(lab).contains("xdp "), Lab.linkDetails(lab));
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            assertCapturedMixed(lab, xdpdump.stdoutText());
        }
    }

    /**
     * At tc ingress the program runs once per skb, and a bulk flow's skbs carry many segments each (on veth the
     * sender's TSO super-packets; GRO aggregates elsewhere), yet no SYN is ever merged into one: during the flow every
     * connection request is one event, the flow's own two (iperf3's control and data connections) included.
     */
    @Test
    void everyConnectionRequestIsOneEventWhileABulkFlowRunsInAggregates() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(IPERF3);
        try (VethLab lab = Lab.create();
             WatchedProcess server = WatchedProcess.startIn(lab.captureNamespace(), IPERF3, "-s", "-1", "-p",
                     "5201");
             WatchedProcess xdpdump = Xdpdump.listening(lab, "--json-stats", "json")) {
            awaitListeningServer(lab);
            try (WatchedProcess client = WatchedProcess.startIn(lab.senderNamespace(), IPERF3, "-c",
                    VethLab.CAPTURE_V4, "-p", "5201", "-t", "2", "-J")) {
                Lab.attempt(lab, Lab.MIXED);
                assertEquals(0, client.awaitExit(Duration.ofSeconds(20)), client.stderrText());
                long received = Long.parseLong(jq(".end.sum_received.bytes", client.stdout()));
                assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
                assertEquals(0, server.awaitExit(Duration.ofSeconds(10)), server.stderrText());
                List<String> lines = xdpdump.stdoutText().lines().toList();
                String stats = lines.get(lines.size() - 1);
                List<String> events = lines.subList(0, lines.size() - 1);
                for (Lab.Attempt attempt : Lab.MIXED) {
                    assertEquals(1, events.stream().filter(l -> l.contains("\"sport\":" + attempt.sourcePort() + ","))
                            .count(), attempt + " in\n" + xdpdump.stdoutText());
                }
                assertEquals(2, events.stream().filter(l -> l.contains("\"dport\":5201,")).count(),
                        "iperf3's two connection requests in\n" + xdpdump.stdoutText());
                assertEquals(Lab.MIXED.size() + 2, events.size(), xdpdump.stdoutText());
                long frames = Long.parseLong(jq(".frames_seen", stats.getBytes(StandardCharsets.UTF_8)));
                assertTrue(received > 100L * 1024 * 1024, received + " bytes received");
                assertTrue(frames * 1500 * 4 < received, "the program ran " + frames + " times for " + received
                        + " bytes: several segments per run");
            }
        }
    }

    private static void awaitListeningServer(VethLab lab) throws Exception {
        for (int i = 0; i < 100; i++) {
            Command.Result ss = Command.run("ip", "netns", "exec", lab.captureNamespace(), "ss", "-Hltn", "sport",
                    "=", ":5201");
            if (ss.exitCode() == 0 && !ss.stdoutText().isBlank()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("iperf3 -s did not listen on 5201 within 5 s");
    }

    private static String jq(String filter, byte[] json) throws Exception {
        Command.Result jq = Command.run(Command.DEFAULT_TIMEOUT, json, "jq", "-r", filter);
        assertEquals(0, jq.exitCode(), jq.describe());
        return jq.stdoutText().trim();
    }

    /** One JSON line per attempt of {@link Lab#MIXED}, each with its addresses, ports, flags and lengths. */
    private static void assertCapturedMixed(VethLab lab, String json) {
        List<String> lines = json.lines().toList();
        assertEquals(Lab.MIXED.size(), lines.size(), json);
        for (Lab.Attempt attempt : Lab.MIXED) {
            String line = lines.stream().filter(l -> l.contains("\"sport\":" + attempt.sourcePort() + ","))
                    .findFirst().orElseThrow(() -> new AssertionError("no event for " + attempt + " in " + json));
            int length = attempt.ipVersion() == 6 ? 94 : 74;
            for (String field : List.of("\"src\":\"" + attempt.sourceAddress() + "\"",
                    "\"dst\":\"" + attempt.address() + "\"", "\"sport\":" + attempt.sourcePort() + ",",
                    "\"dport\":" + attempt.port() + ",", "\"flags\":\"S\"", "\"ip\":" + attempt.ipVersion() + ",",
                    "\"iface\":\"" + lab.captureInterface() + "\"", "\"len\":" + length + ",",
                    "\"caplen\":" + length + ",")) {
                assertTrue(line.contains(field), field + " in " + line);
            }
        }
    }
}
