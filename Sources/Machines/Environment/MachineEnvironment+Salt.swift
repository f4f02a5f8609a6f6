import BoxerSupport
import Foundation
import Vagrantfile

/// The `salt` provisioner as Vagrant 2.3.4 runs it on a minion (plugins/provisioners/salt):
/// configuration and keys uploaded, Salt configured (or installed with the project's
/// bootstrap_script), then `salt-call state.highstate`.
extension MachineEnvironment {
    func runSalt(_ provisioner: Provisioner, context: MachineContext, communicator: Communicator) async throws(MachineError) {
        let salt = SaltSettings(
            provisioner, exists: { HostFiles.kind(of: HostFiles.absolute($0, relativeTo: self.environment.root)) != nil })
        let name = context.machine.name
        let target = output.targeting(name)
        let root = environment.root
        let folder = salt.temporaryFolder
        func upload(_ path: String, as file: String) async throws(MachineError) {
            try await communicator.upload(HostFiles.absolute(path, relativeTo: root), to: folder + "/" + file)
        }
        if let path = salt.minionConfig {
            target.say("Copying salt minion config to vm.")
            try await upload(path, as: "minion")
        }
        if let path = salt.masterConfig {
            target.say("Copying salt master config to vm.")
            try await upload(path, as: "master")
        }
        if let path = salt.grainsConfig {
            target.say("Copying salt grains config to vm.")
            try await upload(path, as: "grains")
        }
        for (role, key, pub) in [("minion", salt.minionKey, salt.minionPub), ("master", salt.masterKey, salt.masterPub)] {
            guard let key, let pub else { continue }
            target.say("Uploading \(role) keys.")
            try await upload(key, as: "\(role).pem")
            _ = try await communicator.capture("sudo chmod u+w \(folder)/\(role).pem")
            try await upload(pub, as: "\(role).pub")
        }

        var found = true
        for binary in salt.binaries {
            target.say("Checking if \(binary) is installed")
            if try await communicator.capture("which \(binary)").status == 0 {
                target.say("\(binary) found")
            } else {
                target.say("\(binary) was not found.")
                found = false
            }
        }
        let install = salt.alwaysInstall || !found
        let configure = salt.needsConfiguration
        if install || configure {
            target.say(configure && !install ? "Salt binaries found. Configuring only." : "Bootstrapping Salt... (this may take a while)")
            if let script = salt.bootstrapScript {
                let destination = folder + "/bootstrap_salt.sh"
                _ = try await communicator.capture("test -f \(destination) && sudo rm -f \(destination)")
                try await communicator.upload(HostFiles.absolute(script, relativeTo: root), to: destination)
                let command =
                    "sudo chmod +x \(destination) && sudo \(destination) \(salt.bootstrapOptions(install: install, configure: configure))"
                let status = try await communicator.run(command) { line, _ in if salt.verbose { target.say(line) } }
                guard status == 0 else { throw MachineError.saltBootstrapFailed(machine: name) }
            } else if install {
                throw MachineError.saltNotInstalled(machine: name)
            } else {
                // What bootstrap-salt.sh -C -F -c does: the uploaded files into /etc/salt.
                let status = try await communicator.run(salt.configureOnlyCommand) { line, _ in target.detail(line) }
                guard status == 0 else { throw MachineError.saltBootstrapFailed(machine: name) }
            }
            target.say(
                configure && !install
                    ? "Salt successfully configured!"
                    : configure ? "Salt successfully configured and installed!" : "Salt successfully installed!")
        } else {
            target.say("Salt did not need installing or configuring.")
        }
        target.say("run_overstate set to false. Not running state.overstate.")
        if salt.runHighstate {
            target.say("Calling state.highstate... (this may take a while)")
            for command in salt.highstateCommands {
                let status = try await communicator.run(command) { line, _ in if salt.verbose { target.say(line) } }
                guard status == 0 else { throw MachineError.provisionerFailed("salt", command: command, machine: name, status: status) }
            }
        } else {
            target.say("run_highstate set to false. Not running state.highstate.")
        }
        target.say("orchestrate is nil. Not running state.orchestrate.")
    }
}

/// A `salt` provisioner's settings with Vagrant's defaults, including the configuration files
/// it finds by itself under `salt/` (its OPTIMISTIC_PATH_DEFAULTS).
struct SaltSettings: Sendable {
    var minionConfig, masterConfig, grainsConfig: String?
    var minionKey, minionPub, masterKey, masterPub: String?
    var runHighstate, masterless, alwaysInstall, installMaster, installSyndic, noMinion, verbose, colorize: Bool
    var bootstrapScript, bootstrapOptions, version, minionID, logLevel, installType, installArgs, pythonVersion: String?
    var minionJSON, masterJSON: String?
    var pillar: ConfigValue?
    var callArguments: [String]
    var temporaryFolder: String

    init(_ provisioner: Provisioner, exists: (String) -> Bool) {
        let options = provisioner.options
        func text(_ key: String) -> String? { options[key].flatMap { $0 == .null ? nil : $0.string } }
        func flag(_ key: String) -> Bool { options[key]?.bool == true }
        func file(_ key: String, default path: String) -> String? { options[key] == nil ? (exists(path) ? path : nil) : text(key) }
        minionConfig = file("minion_config", default: "salt/minion")
        masterConfig = file("master_config", default: "salt/master")
        minionKey = file("minion_key", default: "salt/key/minion.key")
        minionPub = file("minion_pub", default: "salt/key/minion.pub")
        masterKey = file("master_key", default: "salt/key/master.key")
        masterPub = file("master_pub", default: "salt/key/master.pub")
        grainsConfig = text("grains_config")
        runHighstate = flag("run_highstate")
        masterless = flag("masterless")
        alwaysInstall = flag("always_install")
        installMaster = flag("install_master")
        installSyndic = flag("install_syndic")
        noMinion = flag("no_minion")
        verbose = flag("verbose")
        colorize = flag("colorize")
        bootstrapScript = text("bootstrap_script")
        bootstrapOptions = text("bootstrap_options")
        version = text("version")
        minionID = text("minion_id")
        logLevel = text("log_level")
        installType = text("install_type")
        installArgs = text("install_args")
        pythonVersion = text("python_version")
        minionJSON = text("minion_json_config")
        masterJSON = text("master_json_config")
        pillar = options["pillar_data"].flatMap { if case .object(let pairs) = $0, !pairs.isEmpty { $0 } else { nil } }
        switch options["salt_call_args"] {
        case .array(let items)?: callArguments = items.compactMap(\.string)
        case .string(let text)?: callArguments = [text]
        default: callArguments = []
        }
        temporaryFolder = text("temp_config_dir") ?? "/tmp"
    }

    /// The programs whose absence means Salt must be installed.
    var binaries: [String] {
        (noMinion ? [] : ["salt-minion", "salt-call"]) + (installMaster ? ["salt-master"] : []) + (installSyndic ? ["salt-syndic"] : [])
    }

    var needsConfiguration: Bool {
        [minionConfig, minionKey, masterConfig, masterKey, grainsConfig, version, minionJSON, masterJSON].contains { $0 != nil }
    }

    /// bootstrap-salt.sh's options as Vagrant builds them.
    func bootstrapOptions(install: Bool, configure: Bool) -> String {
        var options = bootstrapOptions ?? ""
        if let masterJSON { options += " -J '\(masterJSON)'" }
        if let minionJSON { options += " -j '\(minionJSON)'" }
        if configure { options += " -F -c \(temporaryFolder)" }
        if configure, !install { options += " -C" }
        if installMaster { options += " -M" }
        if installSyndic { options += " -S" }
        if noMinion { options += " -N" }
        if let pythonVersion { options += " -x python\(pythonVersion)" }
        if let installType { options += " \(installType)" }
        if let installArgs { options += " \(installArgs)" }
        if let version { options += " \(version)" }
        return options
    }

    /// Configure-only without a bootstrap script: the uploaded files where bootstrap-salt.sh puts them.
    var configureOnlyCommand: String {
        let from = temporaryFolder
        var steps = ["sudo mkdir -p /etc/salt/pki/minion /etc/salt/pki/master"]
        for (file, destination) in [
            ("minion", "/etc/salt/minion"), ("master", "/etc/salt/master"), ("grains", "/etc/salt/grains"),
            ("minion.pem", "/etc/salt/pki/minion/minion.pem"), ("minion.pub", "/etc/salt/pki/minion/minion.pub"),
            ("master.pem", "/etc/salt/pki/master/master.pem"), ("master.pub", "/etc/salt/pki/master/master.pub"),
        ] {
            steps.append("if [ -f \(from)/\(file) ]; then sudo cp \(from)/\(file) \(destination); fi")
        }
        return steps.joined(separator: " && ")
    }

    /// state.highstate on this minion (or from its master), with Vagrant's arguments.
    var highstateCommands: [String] {
        var options = ""
        if masterless {
            options += " --local"
            if let minionID { options += " --id \(minionID)" }
        }
        let levels = ["all", "garbage", "trace", "debug", "info", "warning", "error", "quiet"]
        options += " --log-level=\(logLevel.flatMap { levels.contains($0) ? $0 : nil } ?? "debug")"
        options += colorize ? " --force-color" : " --no-color"
        if let pillar { options += " pillar='\(AnsibleSettings.json(pillar))'" }
        if installMaster {
            return (masterless ? [] : ["sudo salt '*' saltutil.sync_all"]) + ["sudo salt '*' state.highstate --verbose\(options) "]
        }
        options += " " + callArguments.joined(separator: " ")
        return (masterless ? [] : ["sudo salt-call saltutil.sync_all"]) + ["sudo salt-call state.highstate --retcode-passthrough\(options)"]
    }
}
