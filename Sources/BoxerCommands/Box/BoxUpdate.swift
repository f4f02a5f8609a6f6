import ArgumentParser
import BoxStore
import BoxerSupport
import Foundation

struct BoxUpdate: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Add the newest version of boxes from their catalogs.",
        discussion: """
            In a project, updates the box each machine (or each one named) uses to the newest \
            version its catalog has within the machine's config.vm.box_version. The new version is \
            added beside the old one: machines keep running the version they were created from \
            until they are destroyed and brought up again. With --box, updates that installed box \
            instead, whether or not a project uses it.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines whose boxes to update (default: all).")
    var names: [String] = []

    @Option(help: "Update this installed box, not the project's.")
    var box: String?

    @Option(help: "The provider: of the box given with --box, or the one the project's machines run with.")
    var provider: String?

    @Flag(name: .shortAndLong, help: "Replace the new version if it is installed already.")
    var force = false

    @OptionGroup var download: DownloadFlags

    func validate() throws {
        if box != nil, !names.isEmpty { throw ValidationError("Give machine names or --box, not both.") }
    }

    func run() async throws {
        let output = global.makeOutput()
        let options = download.options
        let given = options == DownloadOptions() ? nil : options
        guard let box else {
            let environment = try openMachineEnvironment(output: output, provider: provider)
            try await environment.updateBoxes(names, force: force, download: given)
            return
        }
        let store = try openStore()
        let installed = store.list().filter { $0.name == box }
        guard !installed.isEmpty else { throw BoxStoreError.notInstalled(name: box, detail: "") }
        let providers = Set(installed.map(\.provider))
        let chosen: String
        if let provider {
            guard providers.contains(provider) else { throw BoxStoreError.notInstalled(name: box, detail: " for provider \(provider)") }
            chosen = provider
        } else {
            guard providers.count == 1, let only = providers.first else {
                throw BoxStoreError.multipleProviders(name: box, providers: providers.sorted())
            }
            chosen = only
        }
        let newest = installed.filter { $0.provider == chosen }.sorted { BoxVersion.precedes($0.version, $1.version) }
        guard let latest = newest.last else { throw BoxStoreError.notInstalled(name: box, detail: "") }
        var downloader = Downloader(progress: output.targeting("box"))
        downloader.options = options
        let adder = BoxAdder(store: store, downloader: downloader, output: output)
        try await adder.update(
            name: latest.name, version: latest.version, provider: latest.provider, architecture: latest.architecture,
            requirement: "> \(latest.version)",
            force: force)
    }
}
