import BoxerSupport
import Foundation

/// `box update`: the newest catalog version of an installed box, added beside the old one
/// (machines made from the old version keep it until they are recreated, as in Vagrant).
extension BoxAdder {
    /// Checks box `name`'s catalog for a version newer than `version` within `requirement`
    /// (nil: any newer one) and adds it. Returns the added box, nil when up to date.
    @discardableResult
    public func update(
        name: String, version: String, provider: String, architecture: String?, requirement: String?, force: Bool = false
    ) async throws(BoxStoreError) -> InstalledBox? {
        output.say("Checking for updates to '\(name)'")
        output.detail("Latest installed version: \(version)")
        output.detail("Version constraints: \(requirement ?? "")")
        output.detail("Provider: \(provider)")
        let host = HostArchitecture.current(environment: environment)
        let check = try await store.update(
            name: name, current: version, provider: provider, architecture: architecture,
            requirement: (requirement.map { "\($0), " } ?? "") + "> \(version)", downloader: downloader, hostArchitecture: host)
        switch check {
        case .noCatalog:
            throw .notVersioned(name: name)
        case .upToDate:
            output.success("Box '\(name)' (v\(version)) is running the latest version.")
            return nil
        case .newer(let latest, let catalogURL):
            output.say("Updating '\(name)' with provider '\(provider)' from version\n'\(version)' to '\(latest)'...")
            var request = BoxAddRequest(source: catalogURL)
            request.isCatalog = true
            request.name = name
            request.versionRequirement = latest
            request.providers = [provider]
            request.architecture = architecture
            request.force = force
            return try await add(request)
        }
    }
}
