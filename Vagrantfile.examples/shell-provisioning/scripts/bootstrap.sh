#!/bin/sh
echo "bootstrap $@"
