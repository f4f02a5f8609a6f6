import Foundation

/// Vagrant 2.3.4's validation of each provisioner's settings (its config classes' `validate`),
/// in its words, as problems: `status` still lists the machines, `validate` and `up` refuse.
enum ProvisionerChecks {
    static func check(_ entry: MachineDraft.ProvisionerEntry, communicator: String?, collector: ConfigurationCollector) {
        let options = entry.options
        let heading = ProvisionerKind.heading(entry.type)
        func problem(_ message: String) { collector.problem(heading, message, at: entry.location) }
        let paths = HostPaths(root: collector.root)
        switch entry.type {
        case "shell": shell(options, paths: paths, problem: problem)
        case "file":
            if !isSet(options["source"]) { problem("File source must be specified.") }
            if !isSet(options["destination"]) { problem("File destination must be specified.") }
            if let source = options["source"]?.string, !paths.exists(source) {
                problem("File upload source file \(paths.absolute(source)) must exist")
            }
        case "ansible", "ansible_local": ansible(options, remote: entry.type == "ansible", problem: problem)
        case "chef_apply", "chef_client", "chef_solo", "chef_zero": chef(entry.type, options, paths: paths, problem: problem)
        case "puppet": puppet(options, paths: paths, problem: problem)
        case "puppet_server": puppetServer(options, paths: paths, problem: problem)
        case "salt": salt(options, communicator: communicator, paths: paths, problem: problem)
        case "cfengine": cfengine(options, paths: paths, problem: problem)
        default: break
        }
    }

    /// Ruby's truthiness of a setting: given, and neither nil nor false.
    static func isSet(_ value: ConfigValue?) -> Bool {
        switch value {
        case nil, .null?, .bool(false)?: return false
        default: return true
        }
    }

    /// Rails' `present?` as Vagrant's chef configs use it: set, and not an empty text or list.
    static func isPresent(_ value: ConfigValue?) -> Bool {
        switch value {
        case .string(let text)?: return !text.trimmingCharacters(in: .whitespaces).isEmpty
        case .array(let items)?: return !items.isEmpty
        case .object(let pairs)?: return !pairs.isEmpty
        default: return isSet(value)
        }
    }

    static func shell(_ options: [String: ConfigValue], paths: HostPaths, problem: (String) -> Void) {
        let path = options["path"]
        let inline = options["inline"]
        if isSet(path), isSet(inline) {
            problem("Only one of `path` or `inline` may be set.")
        } else if !isSet(path), !isSet(inline), !isSet(options["reboot"]), !isSet(options["reset"]) {
            // A step that only reboots needs no script.
            problem("One of `path` or `inline` must be set.")
        }
        // A URL is downloaded at provisioning time; anything else must be a file on the host.
        if let script = path?.string, !isRemote(script), !paths.isFile(script) {
            problem("`path` for shell provisioner does not exist on the host system: \(paths.absolute(script))")
        }
        if let env = options["env"] {
            if case .object = env {} else { problem("The shell provisioner's `env' option must be a hash.") }
        }
        switch options["args"] {
        case nil, .null?, .bool(false)?, .string?, .int?: break
        case .array(let items)?
        where items.allSatisfy({ if case .string = $0 { return true } else if case .int = $0 { return true } else { return false } }):
            break
        default: problem("Shell provisioner `args` must be a string or array.")
        }
        if isSet(options["powershell_elevated_interactive"]), !(options["privileged"].map(isSet) ?? true) {
            problem("To be interactive, it must also be privileged.")
        }
    }

    /// Ruby's `URI.regexp(["ftp", "http", "https"])`, which matches anywhere in the text.
    static func isRemote(_ path: String) -> Bool {
        ["ftp://", "http://", "https://"].contains { path.range(of: $0, options: .caseInsensitive) != nil }
    }

    static func ansible(_ options: [String: ConfigValue], remote: Bool, problem: (String) -> Void) {
        // Any value but these three texts leaves Vagrant without a mode (a Float 2.0 included).
        if let mode = options["compatibility_mode"] {
            if case .string(let text) = mode, ["auto", "1.8", "2.0"].contains(text) {
            } else {
                problem("`compatibility_mode` must be a valid mode (possible values: 'auto', '1.8', '2.0').")
            }
        }
        if !isSet(options["playbook"]) { problem("`playbook` file path must be set.") }
        if let extra = options["extra_vars"], isSet(extra) {
            switch extra {
            case .object, .string: break
            default: problem("`extra_vars` must be a hash or a path to an existing file. Received: \(extra) (as \(rubyClass(extra)))")
            }
        }
        for key in remote ? ["raw_arguments", "raw_ssh_args"] : ["raw_arguments"] {
            guard let value = options[key], isSet(value) else { continue }
            switch value {
            case .array, .string: break
            default: problem("`\(key)` must be an array of strings. Received: \(value) (as \(rubyClass(value)))")
            }
        }
    }

    static func chef(_ type: String, _ options: [String: ConfigValue], paths: HostPaths, problem: (String) -> Void) {
        if let level = options["log_level"], !isPresent(level) {
            problem(
                "The Chef provisioner requires a log level. If you did not set a log level, this is probably a bug and should be reported.")
        }
        if type != "chef_apply", let custom = options["custom_config_path"]?.string, !paths.isFile(custom) {
            problem("Path specified for \"custom_config_path\" does not exist.")
        }
        switch type {
        case "chef_apply":
            if !isPresent(options["recipe"]) {
                problem(
                    "Chef Apply provisioning requires that the `config.chef.recipe` be set to a string containing the recipe contents you want to execute on the guest."
                )
            }
            if let upload = options["upload_path"], !isPresent(upload) {
                problem("The Chef Apply provisioner requires that the `config.chef.upload_path` be set to a non-nil, non-empty value.")
            }
        case "chef_client":
            if !isPresent(options["chef_server_url"]) { problem("Chef Server URL must be populated.") }
            if !isPresent(options["validation_key_path"]) {
                problem("Validation key path must be valid path to your Chef Server validation key.")
            }
        default:
            // chef_solo and chef_zero: cookbooks default to `cookbooks` on the host and the guest.
            if let cookbooks = options["cookbooks_path"], folders(cookbooks).isEmpty {
                problem("Missing required value for `chef.cookbooks_path'.")
            }
            if type == "chef_zero" {
                let nodes = folders(options["nodes_path"] ?? .null)
                if nodes.isEmpty {
                    problem("Missing required value for `chef.nodes_path'.")
                } else if nodes.allSatisfy({ !paths.exists($0.path) }) {
                    problem(
                        "Path specified for `nodes_path` does not exist: [\(nodes.map { Value.inspectString($0.path) }.joined(separator: ", "))]"
                    )
                }
            }
            let environments = folders(options["environments_path"] ?? .null)
            if isSet(options["environment"]), environments.isEmpty {
                problem("When 'environment' is specified, you must provide 'environments_path'.")
            }
            for folder in environments where folder.onHost && !paths.isFolder(folder.path) {
                problem("Environment path not found: \(folder.path)")
            }
        }
    }

    /// Vagrant's `prepare_folders_config`: one path or a list, each a path on the host or a
    /// `[:host|:vm, path]` pair.
    static func folders(_ value: ConfigValue) -> [(onHost: Bool, path: String)] {
        func pair(_ item: ConfigValue) -> (onHost: Bool, path: String)? {
            if case .array(let parts) = item, parts.count == 2, let kind = parts[0].string, ["host", "vm"].contains(kind),
                let path = parts[1].string
            {
                return (kind == "host", path)
            }
            return item.string.map { (true, $0) }
        }
        switch value {
        case .null, .bool(false): return []
        case .array(let items):
            if let single = pair(value), items.count == 2, items[0].string == "host" || items[0].string == "vm" { return [single] }
            return items.compactMap(pair)
        default: return pair(value).map { [$0] } ?? []
        }
    }

    static func puppet(_ options: [String: ConfigValue], paths: HostPaths, problem: (String) -> Void) {
        // Without an environment path, Vagrant reads `manifests/default.pp` from the project.
        let environmentPath = options["environment_path"].flatMap { folders($0).first }
        var manifests = options["manifests_path"].flatMap { folders($0).first }
        if options["manifests_path"] == nil, environmentPath == nil { manifests = (true, "manifests") }
        if let manifests, manifests.onHost {
            if !paths.isFolder(manifests.path) {
                problem("The manifests path specified for Puppet does not exist: \(paths.absolute(manifests.path))")
            } else if let file = options["manifest_file"]?.string ?? (environmentPath == nil ? "default.pp" : nil),
                !paths.exists(manifests.path + "/" + file)
            {
                problem(
                    "The configured Puppet manifest is missing. Please specify a path to an existing manifest:\n\n\(paths.absolute(manifests.path + "/" + file))"
                )
            }
        } else if let environmentPath, environmentPath.onHost {
            let environment = options["environment"]?.string ?? "production"
            if !paths.isFolder(environmentPath.path) {
                problem("The environment path specified for Puppet does not exist: \(paths.absolute(environmentPath.path))")
            } else if !paths.exists(environmentPath.path + "/" + environment) {
                problem(
                    "The configured Puppet environment folder \(environment) was not found in the specified environmentpath \(paths.absolute(environmentPath.path)).\nPlease specify a path to an existing Puppet directory environment."
                )
            }
        }
        if manifests == nil, environmentPath == nil {
            problem("Please specify either a Puppet environment_path + environment (preferred) or manifests_path (deprecated).")
        }
        let modules: [String]
        switch options["module_path"] {
        case .array(let items)?: modules = items.compactMap(\.string)
        case let value? where isSet(value): modules = value.string.map { [$0] } ?? []
        default: modules = []
        }
        for module in modules where !paths.isFolder(module) {
            problem("The configured module path doesn't exist: \(paths.absolute(module))")
        }
    }

    static func puppetServer(_ options: [String: ConfigValue], paths: HostPaths, problem: (String) -> Void) {
        let cert = options["client_cert_path"].flatMap { isSet($0) ? $0.string : nil }
        let key = options["client_private_key_path"].flatMap { isSet($0) ? $0.string : nil }
        if (cert == nil) != (key == nil) { problem("Both a client certificate and private key must be specified, if any") }
        if let cert, !paths.isFile(cert) { problem("The specified client cert path could not be found") }
        if let key, !paths.isFile(key) { problem("The specified client private key path could not be found") }
        if cert != nil || key != nil, !isSet(options["puppet_node"]) {
            problem("\"puppet_node\" is required when a client cert or key is specified")
        }
    }

    static func salt(_ options: [String: ConfigValue], communicator: String?, paths: HostPaths, problem: (String) -> Void) {
        for key in ["minion_config", "master_config"] {
            if let path = options[key]?.string, isSet(options[key]), !paths.isFile(path) {
                problem("The specified \(key) '\(paths.absolute(path))' file could not be found.")
            }
        }
        // Salt never defaults these, so one left unset still counts as given: only one given and the
        // other written as nil or false is refused.
        for (key, pub) in [("minion_key", "minion_pub"), ("master_key", "master_pub")] {
            let given = [options[key], options[pub]].map { $0 == nil || isSet($0) }
            if isSet(options[key]) || isSet(options[pub]), given.contains(false) {
                problem("You must include both public and private keys.")
            }
        }
        if let grains = options["grains_config"]?.string, isSet(options["grains_config"]), !paths.isFile(grains) {
            problem("The specified grains_config file could not be found.")
        }
        if isSet(options["install_master"]), !isSet(options["no_minion"]), !isSet(options["seed_master"]), isSet(options["run_highstate"]) {
            problem("You must accept keys when running highstate with master!")
        }
        for key in ["salt_call_args", "salt_args"] {
            if let value = options[key], isSet(value) {
                if case .array = value {} else { problem("You must set `args_array` value as an array.") }
            }
        }
        switch options["python_version"] {
        case nil, .null?, .bool(false)?, .int?: break
        case .string(let text)? where text.allSatisfy({ $0.isASCII && $0.isNumber }): break
        default: problem("You must set `python_version` as an integer or string that represents an integer.")
        }
        if communicator != "winrm", isSet(options["version"]), !isSet(options["install_type"]) {
            problem("You must set the option `install_type` when specifying a `version`.")
        }
    }

    static func cfengine(_ options: [String: ConfigValue], paths: HostPaths, problem: (String) -> Void) {
        let mode = options["mode"]?.string ?? "bootstrap"
        if !["bootstrap", "single_run"].contains(mode) { problem("The mode must be 'bootstrap' or 'single_run'") }
        if mode == "bootstrap", !isSet(options["policy_server_address"]), !isSet(options["am_policy_hub"]) {
            problem("The policy server address must be set for bootstrapping.")
        }
        if let classes = options["classes"], isSet(classes) {
            if case .array = classes {} else { problem("The 'classes' configuration must be an array.") }
        }
        if let files = options["files_path"]?.string, isSet(options["files_path"]), !paths.isFolder(files) {
            problem("The 'files_path' must point to a valid directory.")
        }
        if let run = options["run_file"]?.string, isSet(options["run_file"]), !paths.isFile(run) {
            problem("The 'run_file' specified could not be found.")
        }
    }

    /// The Ruby class of a setting's value, as Vagrant names it in messages.
    static func rubyClass(_ value: ConfigValue) -> String {
        switch value {
        case .null: return "NilClass"
        case .bool(let flag): return flag ? "TrueClass" : "FalseClass"
        case .int: return "Integer"
        case .double: return "Float"
        case .string: return "String"
        case .array: return "Array"
        case .object: return "Hash"
        }
    }
}

/// Host paths as Vagrant expands them: `~` first, then relative to the project folder.
struct HostPaths {
    let root: String

    func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        return expanded.hasPrefix("/") ? expanded : root + "/" + expanded
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: absolute(path)) }

    func isFile(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: absolute(path), isDirectory: &isFolder) && !isFolder.boolValue
    }

    func isFolder(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: absolute(path), isDirectory: &isFolder) && isFolder.boolValue
    }
}
