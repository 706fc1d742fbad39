# bats suites for imagetool (a docker-registry on 127.0.0.1).
