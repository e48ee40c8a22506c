/**
 * End-to-end tests: {@code bin/xdpdump} run as a user runs it, inside a throwaway pair of network namespaces
 * ({@link dev.xdpdump.lab.VethLab}), with real connection attempts, its output read back by real tools (jq, tcpdump,
 * libpcap through pcap4j) and compared with a tcpdump capture of the same traffic (its SYNs picked by tshark's
 * dissector, see {@link dev.xdpdump.e2e.ReferenceCapture}) or with the list of frames the test sent.
 *
 * <p>Run by failsafe in {@code mvn verify} after the jar is built ({@code *IT} classes). Needs root (each test opens
 * with {@code Privileges.requireCaptureCapabilities()}: it skips without, and fails in CI), iproute2, tcpdump, tshark,
 * jq, setpriv and Debian's /usr/bin/python3 with scapy (python3-scapy). Every test removes the namespaces it made and ends the processes it started, even when it fails.
 */
package dev.xdpdump.e2e;
