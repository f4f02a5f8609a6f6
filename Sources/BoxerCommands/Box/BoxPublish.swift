import ArgumentParser
import BoxStore
import BoxerSupport
import Foundation

struct BoxPublish: ParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Merge builds' catalogs into the catalog a folder or box server serves.",
        discussion: """
            Each BUILD is a catalog that `boxer build` wrote (one version, one architecture) or a \
            build's output folder (its catalogs). Their entries are merged into --catalog (made \
            when missing): new versions, providers and architectures are added, and an entry for \
            a version, provider and architecture the catalog has is replaced. Each provider has \
            one default architecture (amd64 when it is there, else the one marked, else the first \
            published), listed last, since Vagrant before 2.4 keeps a provider's last entry. With \
            --base-url the merged entries point at that URL plus the box's file \
            name (copy the boxes there); without it they keep the build's URLs. The catalog is \
            rewritten whole, under a lock, so two publishes at once both land.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Build catalogs (.json) or build output folders.")
    var builds: [String]

    @Option(help: ArgumentHelp("The catalog to merge into.", valueName: "file"))
    var catalog: String

    @Option(help: "Where the boxes are served from: each entry's URL becomes this plus its file name.")
    var baseURL: String?

    func validate() throws {
        if builds.isEmpty { throw ValidationError("Name at least one build catalog or output folder.") }
        if let baseURL, URL(string: baseURL)?.scheme == nil {
            throw ValidationError("--base-url \(baseURL) is not a URL such as https://example.com/boxes/.")
        }
    }

    func run() throws {
        let output = global.makeOutput().targeting("box")
        let here = HostFiles.currentDirectory()
        let target = HostFiles.absolute(catalog, relativeTo: here)
        var sources: [String] = []
        for build in builds.map({ HostFiles.absolute($0, relativeTo: here) }) {
            if HostFiles.kind(of: build) == .directory {
                let found = HostFiles.entries(of: build).filter { $0.hasSuffix(".json") }.sorted().map { build + "/" + $0 }
                guard !found.isEmpty else { throw CommandError.noCatalogsIn(build) }
                sources += found
            } else {
                sources.append(build)
            }
        }
        let lock = try FileLock(url: URL(fileURLWithPath: target + ".lock"))
        try lock.withLock {
            var merged: BoxCatalog?
            if HostFiles.kind(of: target) == .regular {
                merged = try BoxCatalog.parse(try Data(contentsOf: URL(fileURLWithPath: target)), source: target)
            }
            for source in sources {
                guard let data = FileManager.default.contents(atPath: source) else { throw BoxStoreError.sourceNotFound(source) }
                var build = try BoxCatalog.parse(data, source: source)
                if let baseURL {
                    let base = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
                    for version in build.versions.indices {
                        for entry in build.versions[version].providers.indices {
                            let url = build.versions[version].providers[entry].url
                            build.versions[version].providers[entry].url = base + (URL(string: url)?.lastPathComponent ?? url)
                        }
                    }
                }
                var into = merged ?? BoxCatalog(name: build.name, description: build.description, versions: [])
                for change in try into.merge(build, source: source) {
                    switch change {
                    case .added(let version, let provider, let architecture):
                        output.say("Added \(into.name) v\(version) \(provider) (\(architecture)) from \(source)")
                    case .replaced(let version, let provider, let architecture):
                        output.say("Replaced \(into.name) v\(version) \(provider) (\(architecture)) from \(source)")
                    }
                }
                merged = into
            }
            guard let merged else { return }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            do {
                try PrivateFiles.writeAtomically(target, Array(try encoder.encode(merged)) + [10], mode: 0o644)
            } catch {
                throw CommandError.cannotWrite(target, "\(error)")
            }
            output.say("Wrote \(target): \(merged.versions.count) version\(merged.versions.count == 1 ? "" : "s") of \(merged.name)")
        }
    }
}
