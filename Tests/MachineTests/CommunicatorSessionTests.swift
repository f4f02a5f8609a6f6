import Testing

@testable import Machines

/// `config.ssh` settings as the OpenSSH options every connection gets.
@Suite struct CommunicatorSessionTests {
    @Test func sessionSettingsBecomeOptions() {
        var communicator = Communicator(endpoint: SSHEndpoint(host: "127.0.0.1", port: 2222), user: "vagrant", identities: ["/k"])
        #expect(communicator.options.contains { $0 == ("IdentitiesOnly", "yes") })
        #expect(communicator.options.contains { $0 == ("ConnectTimeout", "5") })
        #expect(communicator.privileged("ls /root") == "sudo -E -H ls /root", "Vagrant's default sudo_command")
        communicator.session.keysOnly = false
        communicator.session.connectTimeout = 30
        communicator.session.forwardEnvironment = ["LANG", "LC_ALL"]
        communicator.session.sudoCommand = "doas"
        #expect(!communicator.options.contains { $0.0 == "IdentitiesOnly" })
        #expect(communicator.options.contains { $0 == ("ConnectTimeout", "30") })
        #expect(communicator.options.filter { $0.0 == "SendEnv" }.map(\.1) == ["LANG", "LC_ALL"])
        #expect(communicator.privileged("ls") == "doas ls", "a command without %c gets the command after it")
        let arguments = communicator.sshArguments()
        #expect(arguments.contains("SendEnv=LANG") && arguments.last == "vagrant@127.0.0.1")
    }

    @Test func theHostnameScriptQuotesTheName() {
        let script = MachineEnvironment.hostnameScript(name: "it's.lab.test", address: "")
        #expect(script.hasPrefix("name='it'\\''s.lab.test'; base='it'\\''s'; ip=''\n"))
    }
}
