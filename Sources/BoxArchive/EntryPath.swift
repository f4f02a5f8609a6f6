/// Rules that keep every entry of a box inside the folder it is unpacked into.
enum EntryPath {
    /// The entry's path relative to the box root, or nil for the root itself (`./`).
    /// Backslashes become slashes, as Vagrant's `bsdtar -s '|\\|/|'` does.
    static func normalize(_ raw: String) -> Result<String?, Refusal> {
        let path = raw.replacingOccurrences(of: "\\", with: "/")
        if path.hasPrefix("/") {
            return .failure(.init(reason: "has an absolute path"))
        }
        if path.utf8.contains(0) {
            return .failure(.init(reason: "has a NUL byte in its path"))
        }
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) where component != "." {
            if component == ".." {
                return .failure(.init(reason: "has '..' in its path"))
            }
            components.append(component)
        }
        return .success(components.isEmpty ? nil : components.joined(separator: "/"))
    }

    /// Resolves a link target written at `linkPath` without touching the disk.
    /// Fails when the target is absolute or climbs out of the box.
    static func resolve(target: String, from linkPath: String) -> Result<[Substring], Refusal> {
        if target.hasPrefix("/") {
            return .failure(.init(reason: "is a link to the absolute path \(target)"))
        }
        var stack = Array(linkPath.split(separator: "/").dropLast())
        for component in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                if stack.isEmpty {
                    return .failure(.init(reason: "is a link to \(target), outside the box"))
                }
                stack.removeLast()
            default:
                stack.append(component)
            }
        }
        return .success(stack)
    }

    /// The proper prefixes of a path (`a/b/c` → `a`, `a/b`).
    static func parents(of path: String) -> [String] {
        let components = path.split(separator: "/")
        guard components.count > 1 else { return [] }
        return (1..<components.count).map { components[0..<$0].joined(separator: "/") }
    }

    struct Refusal: Error, Equatable {
        let reason: String
    }
}
