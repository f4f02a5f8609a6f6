import BoxerSupport
import Crypto
import Foundation
import Vagrantfile

/// A `chef_solo` or `chef_zero` provisioner with Vagrant 2.3.4's defaults
/// (plugins/provisioners/chef): where its folders go in the guest, the solo.rb / client.rb and
/// dna.json it writes, and the command it runs.
struct ChefRun: Sendable {
    /// One cookbooks/roles/data_bags/environments/nodes entry: a host folder (copied in) or a guest one.
    struct Folder: Sendable, Equatable {
        var local: String?
        var remote: String
    }

    var zero: Bool
    var cookbooks: [Folder] = []
    var roles: [Folder] = []
    var dataBags: [Folder] = []
    var environments: [Folder] = []
    var nodes: [Folder] = []
    /// Host folders that do not exist: Vagrant warns and leaves them out.
    var missing: [(kind: String, path: String)] = []
    var provisioningPath: String
    var fileCachePath: String
    var fileBackupPath: String
    var nodeName: String?
    var logLevel: String
    var verboseLogging: Bool
    var environment: String?
    var formatter: String?
    var recipeURL: String?
    var proxies: [(String, String?)]
    var customConfigPath: String?
    var encryptedDataBagSecretKeyPath: String?
    var arguments: String?
    var attempts: Int
    var binaryPath: String?
    var binaryEnv: String?
    var install: Bool
    var version: String
    var legacyMode: Bool
    var runList: [String]
    var json: [String: ConfigValue]

    init(_ provisioner: Provisioner, root: String) {
        let options = provisioner.options
        func text(_ key: String) -> String? { options[key].flatMap { $0 == .null ? nil : $0.string } }
        zero = provisioner.type == "chef_zero"
        provisioningPath = text("provisioning_path") ?? "/tmp/vagrant-chef"
        fileCachePath = text("file_cache_path") ?? "/var/chef/cache"
        fileBackupPath = text("file_backup_path") ?? "/var/chef/backup"
        nodeName = text("node_name").flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        logLevel = text("log_level") ?? "info"
        verboseLogging = options["verbose_logging"]?.bool ?? false
        environment = text("environment")
        formatter = text("formatter")
        recipeURL = text("recipe_url")
        proxies = ["http_proxy", "http_proxy_user", "http_proxy_pass", "https_proxy", "https_proxy_user", "https_proxy_pass", "no_proxy"]
            .map {
                ($0, text($0))
            }
        customConfigPath = text("custom_config_path")
        encryptedDataBagSecretKeyPath = text("encrypted_data_bag_secret_key_path")
        arguments = text("arguments")
        attempts = max(1, options["attempts"]?.int ?? 1)
        binaryPath = text("binary_path")
        binaryEnv = text("binary_env")
        install = options["install"]?.bool != false
        version = text("version") ?? "latest"
        legacyMode = options["legacy_mode"]?.bool ?? false
        if case .array(let items)? = options["run_list"] { runList = items.compactMap(\.string) } else { runList = [] }
        if case .object(let attributes)? = options["json"] { json = attributes } else { json = [:] }

        let defaultCookbooks: ConfigValue = .array(
            (recipeURL == nil ? [.array([.string("host"), .string("cookbooks")])] : []) + [.array([.string("vm"), .string("cookbooks")])])
        for (key, kind, folder) in [
            ("cookbooks_path", "cookbooks", \ChefRun.cookbooks), ("roles_path", "roles", \ChefRun.roles),
            ("data_bags_path", "data_bags", \ChefRun.dataBags), ("environments_path", "environments", \ChefRun.environments),
            ("nodes_path", "nodes", \ChefRun.nodes),
        ] as [(String, String, WritableKeyPath<ChefRun, [Folder]>)] {
            let value = options[key] ?? (key == "cookbooks_path" ? defaultCookbooks : .array([]))
            for (onHost, path) in Self.entries(value) {
                if onHost {
                    let local = HostFiles.absolute(path, relativeTo: root)
                    guard HostFiles.kind(of: local) == .directory else {
                        missing.append((kind, local))
                        continue
                    }
                    self[keyPath: folder].append(Folder(local: local, remote: "\(provisioningPath)/\(Self.md5(local))/\(kind)"))
                } else {
                    self[keyPath: folder].append(Folder(local: nil, remote: HostFiles.absolute(path, relativeTo: provisioningPath)))
                }
            }
        }
    }

    /// Vagrant's prepare_folders_config: a path, a [:type, path] pair, or a list of either.
    static func entries(_ value: ConfigValue) -> [(onHost: Bool, path: String)] {
        func pair(_ items: [ConfigValue]) -> (Bool, String)? {
            guard items.count == 2, let kind = items[0].string, ["host", "vm"].contains(kind), let path = items[1].string else {
                return nil
            }
            return (kind == "host", path)
        }
        switch value {
        case .string(let path): return [(true, path)]
        case .array(let items):
            if let single = pair(items) { return [single] }
            return items.compactMap { item in
                if case .array(let inner) = item { return pair(inner) }
                return item.string.map { (true, $0) }
            }
        default: return []
        }
    }

    static func md5(_ text: String) -> String {
        Insecure.MD5.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    var configFileName: String { zero ? "client.rb" : "solo.rb" }
    var secretPath: String? { encryptedDataBagSecretKeyPath.map { _ in provisioningPath + "/encrypted_data_bag_secret_key" } }

    /// solo.rb (chef_solo) or client.rb (chef_zero), with the settings Vagrant's templates write.
    func configFile(customConfiguration: String?) -> String {
        func inspect(_ text: String?) -> String { text.map { AnsibleSettings.jsonString($0) } ?? "nil" }
        func list(_ folders: [Folder]) -> String {
            "[" + folders.map { AnsibleSettings.jsonString($0.remote) }.joined(separator: ", ") + "]"
        }
        func oneOrList(_ folders: [Folder]) -> String { folders.count == 1 ? inspect(folders[0].remote) : list(folders) }
        var lines: [String] = []
        if let nodeName { lines.append("node_name \(inspect(nodeName))") }
        lines.append("file_cache_path    \(inspect(fileCachePath))")
        lines.append("file_backup_path   \(inspect(fileBackupPath))")
        lines.append("cookbook_path \(list(cookbooks))")
        if !roles.isEmpty { lines.append("role_path \(oneOrList(roles))") }
        lines.append("log_level :\(logLevel)")
        lines.append("verbose_logging \(verboseLogging)")
        lines.append("encrypted_data_bag_secret \(inspect(secretPath))")
        if !dataBags.isEmpty { lines.append("data_bag_path \(oneOrList(dataBags))") }
        if let recipeURL, !zero { lines.append("recipe_url \(inspect(recipeURL))") }
        if !environments.isEmpty { lines.append("environment_path \(inspect(environments[0].remote))") }
        if let environment { lines.append("environment \(inspect(environment))") }
        if zero { lines.append("local_mode true") }
        if !nodes.isEmpty { lines.append("node_path \(zero ? oneOrList(nodes) : list(nodes))") }
        for (key, value) in proxies { lines.append("\(key) \(inspect(value))") }
        if let formatter { lines.append("add_formatter \(inspect(formatter))") }
        if let customConfiguration { lines.append("Chef::Config.from_file \(inspect(customConfiguration))") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// dna.json: the `json` attributes with the run list, pretty-printed.
    var dnaJSON: String {
        var attributes = json
        if !runList.isEmpty { attributes["run_list"] = .array(runList.map { .string($0) }) }
        return AnsibleSettings.json(.object(attributes))
    }

    /// The command (run with sudo): chef-solo, or chef-client in local mode for chef_zero.
    func command(colored: Bool) -> String {
        let binary =
            binaryPath.map { ($0 as NSString).appendingPathComponent(zero ? "chef-client" : "chef-solo") }
            ?? (zero ? "chef-client" : "chef-solo")
        var arguments = " --config \(provisioningPath)/\(configFileName) --json-attributes \(provisioningPath)/dna.json"
        if zero { arguments += " --local-mode" }
        if legacyMode, !zero { arguments += " --legacy-mode" }
        arguments += " --log_level \(logLevel)"
        if !colored { arguments += " --no-color" }
        if install, version == "latest" || version >= "11.0" { arguments += " --force-formatter" }
        if let extra = self.arguments { arguments += " " + extra.trimmingCharacters(in: .whitespaces) }
        let command = "\(binary) \(arguments.trimmingCharacters(in: .whitespaces))"
        return binaryEnv.map { "\($0) \(command)" } ?? command
    }
}
