import BoxerSupport
import Foundation

/// What a machine folder's `id` file says. The file is read back from a project folder that may
/// have travelled in an archive or a repository, been truncated by a full disk or edited by
/// hand, so its text is never trusted: an id becomes part of paths and of hypervisor commands
/// only after its provider has checked it against the exact form the provider writes.
public enum RecordedID: Sendable, Equatable {
    /// No `id` file: the machine was never created, or its record was removed.
    case absent
    /// A line of text that looks like an id; its provider still has to accept its form.
    case present(String)
    /// An `id` file that is not an id (empty, binary, oversized, not a regular file).
    case unreadable(reason: String)
}

/// The forms of machine ids boxer and its providers write, and the checks that keep any other
/// text out of paths and commands.
public enum MachineIDForm {
    /// The longest id file boxer reads (VMware's ids are `.vmx` paths).
    public static let fileLimit = 4096

    /// Whether there is an `id` entry at `path` of any kind (a damaged one too): `read` is not
    /// `.absent` exactly then. One `lstat`, for the questions asked per machine many times.
    public static func isRecorded(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// The `id` file at `path`: absent, a line of printable text, or unreadable with the reason.
    public static func read(_ path: String) -> RecordedID {
        guard isRecorded(path) else { return .absent }
        let text: String
        do {
            text = try HostFiles.readText(at: path, limit: fileLimit)
        } catch {
            return .unreadable(reason: error.explanation)
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return .unreadable(reason: "it is empty") }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return .unreadable(reason: "it holds control characters or binary data")
        }
        return .present(trimmed)
    }

    /// A UUID in the lower-case form `UUID().uuidString.lowercased()` writes (QEMU machines).
    public static func isLowercaseUUID(_ id: String) -> Bool {
        guard let uuid = UUID(uuidString: id) else { return false }
        return uuid.uuidString.lowercased() == id
    }

    /// A hypervisor's own id token (VirtualBox's UUIDs, Parallels' `{uuid}`, a plugin's ids):
    /// letters, digits and `{}._:-`, at most 128 characters, never `.` or `..`; nothing that
    /// could be read as a path or an option.
    public static func isToken(_ id: String) -> Bool {
        guard (1...128).contains(id.utf8.count), id != ".", id != "..", !id.hasPrefix("-") else { return false }
        return id.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "{}._:-".unicodeScalars.contains(scalar))
        }
    }
}
