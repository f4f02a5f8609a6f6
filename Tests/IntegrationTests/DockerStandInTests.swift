import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// The `docker` provisioner's command lines, against a recording STAND-IN for `docker` in the
    /// tiny guest (Docker itself is not in the test boxes; Podman, which the same code drives,
    /// runs for real in ProvisionerEndToEndTests).
    @Suite struct DockerStandInTests {
        /// Records each call; keeps created containers so `ps` finds them again.
        static let standIn = #"""
            #!/bin/sh
            echo "docker $*" >> /tmp/docker-calls
            case "$1" in
              ps) cat /tmp/docker-containers 2>/dev/null ;;
              run) for a in "$@"; do case "$a" in --cidfile=*) echo cid-$$ > "${a#--cidfile=}";; esac; done; echo cid-$$ >> /tmp/docker-containers ;;
              inspect) echo sha256:image1 ;;
              images) echo image1 ;;
            esac
            exit 0
            """#

        @Test func pullsBuildsAndRunsAsVagrantDoes() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.provision "file", source: "docker-stand-in", destination: "/tmp/docker"
                      config.vm.provision "stand-in", type: "shell", inline: "cp /tmp/docker /usr/bin/docker && chmod 755 /usr/bin/docker && touch /var/run/docker.pid"
                      config.vm.provision "containers", type: "docker" do |d|
                        d.pull_images "redis:7"
                        d.build_image "/vagrant/app", args: "-t app"
                        d.run "web", image: "nginx", args: "-p 80:80"
                        d.run "org/worker:1", cmd: "work --hard", daemonize: false, restart: "no"
                      end
                    end
                    """)
            try project.write(Self.standIn, to: "docker-stand-in")
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            for line in [
                "==> default: Pulling Docker images...", "==> default: -- Image: redis:7", "==> default: Building Docker images...",
                "==> default: -- Path: /vagrant/app", "==> default: Starting Docker containers...", "==> default: -- Container: web",
            ] {
                #expect(up.output.contains(line), "\(line)\n\(up.output)")
            }
            let calls = try project.boxer(["ssh", "-c", "cat /tmp/docker-calls; printf web | sha1sum; printf org/worker:1 | sha1sum"])
            let lines = calls.output.split(separator: "\n").map(String.init)
            let webSHA = String(lines[lines.count - 2].prefix(40))
            let workerSHA = String(lines[lines.count - 1].prefix(40))
            #expect(lines.contains("docker pull redis:7"))
            #expect(lines.contains("docker build -t app /vagrant/app"))
            #expect(
                lines.contains("docker run --cidfile=/var/lib/vagrant/cids/\(webSHA) -d --name web --restart=always -p 80:80 nginx"),
                "\(lines)")
            #expect(
                lines.contains(
                    "docker run --cidfile=/var/lib/vagrant/cids/\(workerSHA) --name org-worker-1 --restart=no org/worker:1 work --hard"),
                "\(lines)")

            // Provisioning again finds both containers with the same arguments and image: no new run.
            #expect(try project.boxer(["provision", "--provision-with", "containers"]).status == 0)
            let after = try project.boxer(["ssh", "-c", "grep -c '^docker run' /tmp/docker-calls"]).output
            #expect(after == "2\n", "\(after)")
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
        }
    }
}
