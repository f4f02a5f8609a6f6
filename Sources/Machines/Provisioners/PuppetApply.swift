import BoxerSupport
import Crypto
import Foundation
import Vagrantfile

/// A `puppet` (apply) provisioner with Vagrant 2.3.4's defaults (plugins/provisioners/puppet):
/// where its manifests, environments and modules go in the guest, and the command it runs.
struct PuppetApply: Sendable {
    /// A path on the host (`:host`, copied into the guest) or already in the guest (`:vm`).
    struct Place: Sendable, Equatable {
        var onHost: Bool
        var path: String
    }

    var manifests: Place?
    var manifestFile: String?
    var environmentPath: Place?
    var environment: String
    /// Module folders on the host, absolute.
    var modulePaths: [String]
    var options: [String]
    /// Facts, by name (sorted: Ruby keeps the Vagrantfile's order, boxer's settings do not).
    var facter: [(String, String)]
    var structuredFacts: Bool
    var hieraConfigPath: String?
    var workingDirectory: String?
    var binaryPath: String?
    var environmentVariables: [(String, String)]
    var temporaryFolder: String

    init(_ provisioner: Provisioner, root: String) {
        let options = provisioner.options
        func place(_ key: String) -> Place? {
            switch options[key] {
            case .array(let items)? where items.count >= 2:
                return Place(onHost: items[0].string != "vm", path: items[1].string ?? "")
            case .string(let path)?: return Place(onHost: true, path: path)
            default: return nil
            }
        }
        environmentPath = place("environment_path")
        manifests = place("manifests_path") ?? (environmentPath == nil ? Place(onHost: true, path: "manifests") : nil)
        if environmentPath == nil {
            manifestFile = options["manifest_file"]?.string ?? "default.pp"
            environment = options["environment"]?.string ?? ""
        } else {
            manifestFile = options["manifest_file"]?.string
            environment = options["environment"]?.string ?? "production"
        }
        switch options["module_path"] {
        case .array(let items)?: modulePaths = items.compactMap(\.string)
        case .string(let path)?: modulePaths = [path]
        default: modulePaths = []
        }
        modulePaths = modulePaths.map { HostFiles.absolute($0, relativeTo: root) }
        switch options["options"] {
        case .array(let items)?: self.options = items.compactMap(\.string)
        case .string(let text)?: self.options = [text]
        default: self.options = []
        }
        if case .object(let facts)? = options["facter"] {
            facter = facts.keys.sorted().map { ($0, facts[$0]?.string ?? "") }
        } else {
            facter = []
        }
        structuredFacts = options["structured_facts"]?.bool ?? false
        hieraConfigPath = options["hiera_config_path"]?.string
        workingDirectory = options["working_directory"]?.string
        binaryPath = options["binary_path"]?.string
        if case .object(let variables)? = options["environment_variables"] {
            environmentVariables = variables.keys.sorted().map { ($0, variables[$0]?.string ?? "") }
        } else {
            environmentVariables = []
        }
        temporaryFolder = options["temp_dir"]?.string ?? "/tmp/vagrant-puppet"
    }

    static func md5(_ text: String) -> String {
        Insecure.MD5.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Where the manifests are in the guest: a host folder goes to `manifests-<md5 of its path as written>`.
    var manifestsGuestPath: String? {
        manifests.map { $0.onHost ? "\(temporaryFolder)/manifests-\(Self.md5($0.path))" : $0.path }
    }

    var environmentsGuestPath: String? {
        environmentPath.map { $0.onHost ? "\(temporaryFolder)/environments" : $0.path }
    }

    /// Each module folder (absolute on the host) and where it goes in the guest.
    var moduleFolders: [(host: String, guest: String)] {
        modulePaths.map { ($0, "\(temporaryFolder)/modules-\(Self.md5($0))") }
    }

    /// The manifest `puppet apply` is given (an environment's `manifests` folder without a file).
    var manifest: String {
        if let manifestFile, let folder = manifestsGuestPath { return folder + "/" + manifestFile }
        return "\(environmentsGuestPath ?? "")/\(environment)/manifests"
    }

    /// The command Vagrant runs (with sudo), `binary` the puppet executable it found.
    func command(binary: String, color: Bool) -> String {
        var arguments = options
        if !moduleFolders.isEmpty {
            arguments.append("--modulepath '\((moduleFolders.map(\.guest) + ["/etc/puppet/modules"]).joined(separator: ":"))'")
        }
        if hieraConfigPath != nil { arguments.append("--hiera_config=\(temporaryFolder)/hiera.yaml") }
        if !color { arguments.append("--color=false") }
        arguments.append("--detailed-exitcodes")
        if let environments = environmentsGuestPath {
            arguments.append("--environmentpath \(environments)/")
            arguments.append("--environment \(environment)")
        }
        arguments.append(manifest)
        var parts: [String] = []
        if !environmentVariables.isEmpty { parts.append(environmentVariables.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: " ")) }
        if !structuredFacts, !facter.isEmpty { parts.append(facter.map { "FACTER_\($0.0)='\($0.1)'" }.joined(separator: " ")) }
        parts += [
            binaryPath.map { ($0 as NSString).appendingPathComponent("puppet") } ?? binary, "apply", arguments.joined(separator: " "),
        ]
        let command = parts.joined(separator: " ")
        return workingDirectory.map { "cd \($0) && \(command)" } ?? command
    }

    /// `structured_facts`: the facts as the YAML file facter reads.
    var factsYAML: String {
        "---\n" + facter.map { "\($0.0): \(AnsibleSettings.jsonString($0.1))" }.joined(separator: "\n") + "\n"
    }
}
