package dev.xdpdump.serve;

import dev.xdpdump.sys.PeerCredentials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who the server serves: root, the server's own user, and members of one group (the peer's primary group, or one of
 * the supplementary groups of the process that connected, read from /proc/PID/status). Everyone else is refused.
 *
 * @param serverUid the uid the server runs as (after {@code -Z}, the user it became)
 * @param groupGid the gid of {@code --serve-group}, or -1 for none
 * @param groupName its name, for messages; null for none
 */
public record Admission(int serverUid, int groupGid, String groupName) {
    /** Null when {@code peer} is served; otherwise why not, in words for the refusal line and the log. */
    public String refusal(PeerCredentials peer) {
        if (peer.uid() == 0 || peer.uid() == serverUid) {
            return null;
        }
        if (groupGid >= 0 && (peer.gid() == groupGid || inSupplementaryGroups(peer.pid(), groupGid))) {
            return null;
        }
        return "uid " + peer.uid() + " is not root, the server's user (uid " + serverUid + ")"
                + (groupName == null ? "" : " or in group " + groupName);
    }

    private static boolean inSupplementaryGroups(int pid, int gid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("Groups:")) {
                    for (String word : line.substring(7).trim().split("\\s+")) {
                        if (!word.isEmpty() && Integer.parseInt(word) == gid) {
                            return true;
                        }
                    }
                    return false;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The peer is gone or /proc is not there: not shown to be a member.
        }
        return false;
    }
}
