# The cluster's shape: which nodes, their addresses and memory.
module Cluster
  class SettingsError < StandardError
  end

  class Node
    attr_reader :name, :ip, :memory, :role

    def initialize(name, ip, memory, role)
      @name = name
      @ip = ip
      @memory = memory
      @role = role
    end

    def primary?
      role == "control"
    end

    def hostname
      "#{name}.cluster.test"
    end

    def script
      "echo #{name} is a #{role} node"
    end
  end

  class Plan
    DEFAULT_MEMORY = 1024

    attr_reader :box, :nodes

    def initialize(settings)
      @box = settings.fetch("box") { raise SettingsError, "cluster.yaml: box is missing" }
      subnet = settings["subnet"] || "192.168.56"
      @nodes = settings["nodes"].each_with_index.map do |(name, role), index|
        Node.new(name, "#{subnet}.#{index + 10}", settings.dig("memory", role) || DEFAULT_MEMORY, role)
      end
    end
  end
end
