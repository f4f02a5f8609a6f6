import BoxerSupport

/// An installed box found for a machine, by plain path: finding it is on the path of every
/// `boxer status` (for the box's own Vagrantfile), which must stay fast.
public struct BoxMatch: Sendable, Equatable {
    public let name: String
    public let version: String
    public let architecture: String?
    public let provider: String
    /// The provider folder: `metadata.json`, the disk image and, when the box has one, `Vagrantfile`.
    public let path: String

    public init(name: String, version: String, architecture: String?, provider: String, path: String) {
        self.name = name
        self.version = version
        self.architecture = architecture
        self.provider = provider
        self.path = path
    }

    public var vagrantfile: String? {
        let file = path + "/Vagrantfile"
        return HostFiles.kind(of: file) == .regular ? file : nil
    }
}

extension BoxStore {
    /// The box a machine uses, as Vagrant's `BoxCollection#find` picks it: the newest installed
    /// version that satisfies `versionRequirement`, stored for one of `providers` (in order of
    /// preference), for the host's architecture or, failing that, without one. Nil when none is
    /// installed or the requirement cannot be parsed (the caller reports that).
    public static func find(in home: BoxerHome, name: String, versionRequirement: String?, providers: [String], architecture: String)
        -> BoxMatch?
    {
        let requirement: VersionRequirement?
        if let versionRequirement, !versionRequirement.isEmpty {
            guard let parsed = VersionRequirement(versionRequirement) else { return nil }
            requirement = parsed
        } else {
            requirement = nil
        }
        let nameFolder = home.path + "/boxes/" + folderName(for: name)
        let versions = HostFiles.entries(of: nameFolder)
            .compactMap { text in BoxVersion(text).map { (text: text, version: $0) } }
            .filter { requirement?.isSatisfied(by: $0.version) ?? true }
            .sorted { $0.version > $1.version }
        for version in versions {
            let versionFolder = nameFolder + "/" + version.text
            for provider in providers {
                for folderArchitecture in [architecture, nil] {
                    let folder = versionFolder + (folderArchitecture.map { "/" + $0 } ?? "") + "/" + provider
                    if HostFiles.kind(of: folder + "/metadata.json") == .regular {
                        return BoxMatch(
                            name: name, version: version.text, architecture: folderArchitecture, provider: provider, path: folder)
                    }
                }
            }
        }
        return nil
    }
}
