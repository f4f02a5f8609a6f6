import Foundation
import Machines

/// A Vagrantfile project of the machine index, read-only: its folder and its machines as the
/// index last recorded them (`boxer global-status`'s view). Nodes are not environments.
public struct EnvironmentView: Codable, Sendable, Equatable {
    public struct MachineEntry: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var provider: String
        public var state: String
        public var box: String?
    }

    public var path: String
    public var machines: [MachineEntry]
}

extension NodeService {
    public func environments() -> [EnvironmentView] {
        let nodes = store.folder + "/"
        var byPath: [String: [EnvironmentView.MachineEntry]] = [:]
        for (uuid, entry) in MachineIndex(home: home).entries() where !entry.vagrantfilePath.hasPrefix(nodes) {
            byPath[entry.vagrantfilePath, default: []].append(
                .init(id: uuid, name: entry.name, provider: entry.provider, state: entry.state, box: entry.extraData?.box?.name))
        }
        return byPath.keys.sorted().map { path in
            EnvironmentView(path: path, machines: (byPath[path] ?? []).sorted { $0.name < $1.name })
        }
    }
}
