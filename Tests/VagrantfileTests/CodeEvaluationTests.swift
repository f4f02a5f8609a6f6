import BoxerTestSupport
import Foundation
import Testing

@testable import Vagrantfile

/// `eval(File.read(file))` and `eval(text, binding)`: projects read a local override file into
/// the configure block this way, and Vagrant runs it there, seeing `config`.
@Suite struct CodeEvaluationTests {
    static func read(_ source: String, files: [String: String] = [:]) throws -> VagrantEnvironment {
        let folder = try TemporaryFolder("boxer-eval")
        for (name, text) in files { try Data(text.utf8).write(to: folder.url.appendingPathComponent(name)) }
        return try VagrantfileLoader.evaluate(source: source, directory: folder.url.path)
    }

    @Test func aLocalFileIsRunInsideTheConfigureBlock() throws {
        let environment = try Self.read(
            """
            Vagrant.configure("2") do |config|
              config.vm.box = "base/box"
              memory = 512
              local = File.join(__dir__, "Vagrantfile.local")
              eval File.read(local) if File.exist?(local)
              config.vm.provider "virtualbox" do |vb|
                vb.memory = memory
              end
              puts defined?(helper_only).inspect
            end
            """,
            files: [
                "Vagrantfile.local": """
                config.vm.box = "local/override"
                memory = memory * 4
                helper_only = true
                """
            ])
        let machine = try #require(environment.machines.first)
        #expect(machine.box == "local/override")
        #expect(machine.providers["virtualbox"]?.memory == 2048, "the file assigned the block's own variable")
        #expect(environment.output == ["nil"], "a variable the evaluated text introduces stays its own")
    }

    @Test func aBindingCarriesItsPlace() throws {
        let environment = try Self.read(
            """
            def place
              name = "from-method"
              binding
            end
            b = place
            puts eval("name.upcase", b)
            puts b.local_variable_get(:name)
            puts b.local_variable_defined?(:other)
            puts eval("[1, 2].map { |x| x * 10 }.sum")
            """)
        #expect(environment.output == ["FROM-METHOD", "from-method", "false", "30"])
    }

    @Test func errorsNameTheEvaluatedText() throws {
        do {
            _ = try Self.read("x = 1\neval(\"y = 2\\nraise 'broken here'\", nil, \"custom.rb\")\n")
            Issue.record("no error")
        } catch let error as VagrantfileError {
            #expect(error.description.contains("custom.rb:2"), "\(error.description)")
            #expect(error.description.contains("broken here"))
        }
        do {
            _ = try Self.read("eval(\"config.vm.box = \")\n")
            Issue.record("no error")
        } catch let error as VagrantfileError {
            #expect(error.description.contains("(eval at "), "\(error.description)")
        }
        do {
            _ = try Self.read("code = 'eval(code)'\neval(code)\n")
            Issue.record("no error")
        } catch let error as VagrantfileError {
            #expect(error.description.contains("eval nested more than 8 deep"), "\(error.description)")
        }
        do {
            _ = try Self.read("eval(42)\n")
            Issue.record("no error")
        } catch let error as VagrantfileError {
            #expect(error.description.contains("no implicit conversion of Integer into String"), "\(error.description)")
        }
    }
}

/// Vagrant runs a file's `Vagrant.configure` blocks once the whole file has been read (a real
/// Oracle project calls helper methods defined at the bottom of its Vagrantfile). Each expected
/// line is what vagrant 2.3.4 printed for the same file.
@Suite struct ConfigureOrderTests {
    @Test func blocksRunAfterTheFileSoLaterMethodsAreThere() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                puts "top 1"
                Vagrant.configure("2") do |config|
                  puts "in block #{helper}"
                  config.vm.box = helper
                  Vagrant.configure("2") { |c| puts "nested" }
                end
                puts "top 2"
                def helper; "helped"; end
                """)
        #expect(environment.output == ["top 1", "top 2", "in block helped"])
        #expect(environment.machines.first?.box == "helped")
    }
}
