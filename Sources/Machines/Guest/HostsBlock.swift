/// The block of a hosts file that boxer keeps, in vagrant-hostmanager's format, so a file
/// written by either is kept by the other: marked by the project's id, one line per name.
///
///     ## vagrant-hostmanager-start id: 3f0c…
///     192.168.57.10	web.example.test
///     192.168.57.10	web
///     ## vagrant-hostmanager-end
public struct HostsBlock: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var address: String
        /// The hostname first, then the aliases.
        public var names: [String]

        public init(address: String, names: [String]) {
            self.address = address
            self.names = names
        }
    }

    public var id: String
    public var entries: [Entry]

    public init(id: String, entries: [Entry]) {
        self.id = id
        self.entries = entries
    }

    public var startMarker: String { "## vagrant-hostmanager-start id: \(id)" }
    public static let endMarker = "## vagrant-hostmanager-end"

    /// The block's lines, each ending in a newline.
    public var text: String {
        var text = startMarker + "\n"
        for entry in entries {
            for name in entry.names { text += "\(entry.address)\t\(name)\n" }
        }
        return text + Self.endMarker + "\n"
    }

    /// `file` with this project's block replaced (or added at the end); everything else,
    /// other projects' blocks included, left as it was.
    public func rewrite(_ file: String) -> String {
        var kept: [Substring] = []
        var inside = false
        for line in file.split(separator: "\n", omittingEmptySubsequences: false) {
            if !inside && line == startMarker {
                inside = true
            } else if inside {
                if line == Self.endMarker { inside = false }
            } else {
                kept.append(line)
            }
        }
        while let last = kept.last, last.isEmpty { kept.removeLast() }
        let head = kept.joined(separator: "\n")
        return (head.isEmpty ? "" : head + "\n\n") + text
    }

    /// A POSIX shell script that rewrites the guest's /etc/hosts the same way (busybox awk
    /// included; blank lines at the end dropped), keeping the file's inode: run as root.
    public var guestScript: String {
        let start = Communicator.quote(startMarker)
        let end = Communicator.quote(Self.endMarker)
        return """
            f=/etc/hosts; t=$(mktemp) || exit 1
            awk -v s=\(start) -v e=\(end) '$0 == s { skip = 1; next } skip { if ($0 == e) skip = 0; next } /^[ \t]*$/ { blank++; next } { while (blank > 0) { print ""; blank-- } print }' "$f" > "$t"
            printf '\\n%s' \(Communicator.quote(text)) >> "$t"
            cat "$t" > "$f"; rm -f "$t"
            """
    }
}
