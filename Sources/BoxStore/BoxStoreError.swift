import BoxArchive
import BoxerSupport
import Foundation

/// What can go wrong adding, finding or removing boxes. Messages say what to run next.
public enum BoxStoreError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    case archive(BoxArchiveError)
    case sourceNotFound(String)
    case nameRequired(source: String)
    case versionWithDirectBox(source: String)
    case nameMismatch(requested: String, catalog: String)
    case invalidName(String)
    case invalidVersionRequirement(String)
    case invalidCatalog(source: String, reason: String)
    case noMatchingVersion(box: String, requirement: String?, providers: [String], architecture: String, available: [String])
    case ambiguousProvider(box: String, version: String, providers: [String])
    case providerMismatch(box: String, expected: [String], actual: String)
    case alreadyExists(name: String, version: String, provider: String, architecture: String?)
    case download(url: String, reason: String)
    case notInstalled(name: String, detail: String)
    case multipleProviders(name: String, providers: [String])
    case multipleVersions(name: String, provider: String, versions: [String])
    case io(String)
    /// Several URLs were given (a Vagrantfile's `box_url` list) and one is a catalog.
    case catalogAmongSeveralURLs([String])
    /// `org/name` that the box server does not answer for.
    case notOnServer(name: String, url: String, reason: String)
    /// `box update` of a box that was added from a file.
    case notVersioned(name: String)

    public var description: String {
        switch self {
        case .archive(let error):
            return error.description
        case .sourceNotFound(let source):
            return
                "The box '\(source)' could not be found: it is not a file, not an http(s) or file URL, and not an 'org/name' to look up on a box server. Check the path, or set BOXER_SERVER_URL to the server that hosts '\(source)'."
        case .nameRequired(let source):
            return "A name is required when adding a box file directly: boxer box add --name NAME \(source)"
        case .versionWithDirectBox(let source):
            return
                "A version constraint (--box-version, or config.vm.box_version) only works with boxes from a catalog or box server; \(source) is a box file. Remove the constraint, or point at the box's catalog."
        case .nameMismatch(let requested, let catalog):
            return
                "The box you are adding has a name different from the name you requested. A catalog names its box; remove --name or make it match.\n  Requested name: \(requested)\n  Actual name: \(catalog)"
        case .invalidName(let name):
            return "'\(name)' is not a valid box name: use letters, digits, '.', '_', '-' and '/' (e.g. 'org/box')."
        case .invalidVersionRequirement(let text):
            return "'\(text)' is not a valid version constraint; write e.g. '1.2.3', '>= 1.0, < 2.0' or '~> 1.2'."
        case .invalidCatalog(let source, let reason):
            return
                "The catalog \(source) is invalid: \(reason). A catalog is JSON with \"name\" and \"versions\" [{\"version\", \"providers\": [{\"name\", \"url\"}]}]."
        case .noMatchingVersion(let box, let requirement, let providers, let architecture, let available):
            let wanted = [
                requirement.map { "version \($0)" },
                providers.isEmpty ? nil : "provider \(providers.joined(separator: " or "))",
                "architecture \(architecture)",
            ].compactMap { $0 }.joined(separator: ", ")
            return
                "The box '\(box)' has no entry for \(wanted). Available: \(available.isEmpty ? "none" : available.joined(separator: "; "))."
        case .ambiguousProvider(let box, let version, let providers):
            return
                "The box '\(box)' v\(version) is available for several providers (\(providers.joined(separator: ", "))). Choose one with --provider."
        case .providerMismatch(let box, let expected, let actual):
            return
                "The box \(box) does not match the provider you specified.\n  Provider expected: \(expected.joined(separator: ", "))\n  Provider of box: \(actual)"
        case .alreadyExists(let name, let version, let provider, let architecture):
            return
                "The box you're attempting to add already exists. Remove it with `boxer box remove` or add it with --force.\n  Name: \(name)\n  Provider: \(provider)\n  Version: \(version)"
                + (architecture.map { "\n  Architecture: \($0)" } ?? "")
        case .download(let url, let reason):
            return "Downloading \(url) failed: \(reason). Run the same command again to resume, or use a mirror."
        case .notInstalled(let name, let detail):
            return "The box '\(name)' is not installed\(detail). `boxer box list` shows the installed boxes."
        case .multipleProviders(let name, let providers):
            return
                "The box '\(name)' is installed for several providers (\(providers.joined(separator: ", "))). Choose one with --provider, or pass --all."
        case .multipleVersions(let name, let provider, let versions):
            return
                "The box '\(name)' for '\(provider)' has several versions (\(versions.joined(separator: ", "))). Choose one with --box-version, or pass --all."
        case .io(let message):
            return message
        case .catalogAmongSeveralURLs(let urls):
            return
                "Several URLs were given for one box and at least one is a catalog: \(urls.joined(separator: ", ")). A catalog lists its own mirrors; give only the catalog's URL, or only box files."
        case .notVersioned(let name):
            return
                "The box '\(name)' is not a versioned box: it was added directly from a file, not from a catalog, so there is nothing to check for updates. Add it from its catalog (boxer box add URL-OF-CATALOG) to get updates."
        case .notOnServer(let name, let url, let reason):
            return
                "The box '\(name)' could not be found or could not be accessed in the remote catalog \(url): \(reason). Check the name, or set BOXER_SERVER_URL (or VAGRANT_SERVER_URL, or config.vm.box_server_url) to the server that hosts it."
        }
    }

    public var errorDescription: String? { description }
}

extension BoxStoreError: BoxerError {
    public var kindName: String {
        if case .archive(let error) = self { return error.kindName }
        return "BoxStoreError.\(caseName(of: self))"
    }
}
