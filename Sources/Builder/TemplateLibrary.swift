import BoxerSupport
import Foundation

/// The box templates: the `*.yaml` files of a folder (the repository's `boxes/`, or
/// `$BOXER_TEMPLATES`), by name, or any template file by path.
public struct TemplateLibrary: Sendable {
    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// `$BOXER_TEMPLATES`, else `boxes/` in the current folder or in the nearest folder above
    /// the boxer executable that has one (a checkout's `.build/…/boxer` finds the checkout's).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment, executable: String? = nil)
        -> TemplateLibrary?
    {
        HostFiles.dataFolder(named: "boxes", variable: "BOXER_TEMPLATES", environment: environment, executable: executable).map(
            TemplateLibrary.init)
    }

    /// The template names, sorted.
    public var names: [String] {
        HostFiles.entries(of: folder).filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Every template, read and checked (the first broken one is the error).
    public func all() throws(BuildError) -> [BoxTemplate] {
        var templates: [BoxTemplate] = []
        for name in names { templates.append(try BoxTemplate.load(folder + "/" + name + ".yaml")) }
        return templates
    }

    /// A template by name, or by path when the argument names a file.
    public func template(_ nameOrPath: String) throws(BuildError) -> BoxTemplate {
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") || nameOrPath.contains("/") {
            let path = HostFiles.absolute(nameOrPath, relativeTo: HostFiles.currentDirectory())
            guard HostFiles.kind(of: path) == .regular else { throw BuildError.noTemplateFile(path) }
            return try BoxTemplate.load(path)
        }
        guard names.contains(nameOrPath) else {
            throw BuildError.unknownTemplate(nameOrPath, in: folder, known: names.joined(separator: ", "))
        }
        return try BoxTemplate.load(folder + "/" + nameOrPath + ".yaml")
    }
}
