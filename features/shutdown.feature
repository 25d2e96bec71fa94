@shutdown
Feature: Shutdown on low battery
  When the battery runs low, the primary upsmon sets FSD, waits HOSTSYNC for
  its secondaries, runs SHUTDOWNCMD and writes POWERDOWNFLAG; the UPS cuts
  its output after offdelay and restores it after ondelay once mains is back.

  Background:
    Given a UPS "eaton" simulated as an Ellipse ECO 650 at 40% load
    And upsmon monitors "eaton@localhost" as primary
    And this upsmon.conf:
      """
      SHUTDOWNCMD "/sbin/shutdown -h +0"
      POWERDOWNFLAG /etc/killpower
      POLLFREQ 5
      POLLFREQALERT 5
      HOSTSYNC 15
      DEADTIME 15
      FINALDELAY 5
      """

  Scenario: An outage to low battery shuts the host down and the UPS powers it back
    When mains power fails
    And the lab runs until the host shuts down
    Then the notifications were, in order:
      | ONBATT   |
      | LOWBATT  |
      | SHUTDOWN |
    And the host shut down
    And POWERDOWNFLAG was written
    And SHUTDOWNCMD ran after low battery within 30 seconds
    When the host's shutdown script kills UPS power
    And 30 seconds pass
    Then the UPS output is off
    When mains power returns
    And 1 minute passes
    Then the UPS output is on

  Scenario: Low battery comes after the real runtime of the battery
    When mains power fails
    And the lab runs until the host shuts down
    Then low battery came between 4 and 15 minutes after the outage

  Scenario: Mains back just before low battery: no shutdown
    When mains power fails
    And the lab runs until the battery charge is 25%
    And mains power returns
    And 10 minutes pass
    Then upsmon notified LOWBATT 0 times
    And the host did not shut down
    And upsmon notified ONLINE 1 time

  Scenario: Mains back during the shutdown: the shutdown goes on
    When mains power fails
    And the lab runs until upsmon notifies LOWBATT
    And mains power returns
    And 1 minute passes
    Then the host shut down

  Scenario: shutdown.return with mains present restarts the output
    When mains power fails
    And the lab runs until the host shuts down
    And mains power returns
    And the host's shutdown script kills UPS power
    And 2 minutes pass
    Then the UPS output went off and came back on

  @secondary
  Scenario: The primary waits HOSTSYNC for a secondary to log out
    Given a secondary host "web" that monitors "eaton@localhost" as secondary
    When mains power fails
    And the lab runs until the host shuts down
    Then the secondary "web" shut down before the primary
    And the primary shut down at most 20 seconds after setting FSD

  @secondary
  Scenario: A secondary follows the primary's FSD
    Given a secondary host "web" that monitors "eaton@localhost" as secondary
    When mains power fails
    And the lab runs until the host shuts down
    Then the secondary "web" was notified FSD
    And the secondary "web" shut down

  @secondary
  Scenario: upsmon -c fsd shuts everything down at once
    Given a secondary host "web" that monitors "eaton@localhost" as secondary
    When the lab runs for 1 minute
    And the operator runs "upsmon -c fsd" on the primary
    And 1 minute passes
    Then the host shut down
    And the secondary "web" shut down

  @cable
  Scenario: A UPS lost while on battery is declared dead after DEADTIME
    When mains power fails
    And 10 seconds pass
    And the UPS cable is pulled
    And 1 minute passes
    Then the host shut down
    And upsmon logged "Promoting dead UPS"

  @cable
  Scenario: A UPS lost while on line is not a reason to shut down
    When the UPS cable is pulled
    And 5 minutes pass
    Then upsmon notified COMMBAD 1 time
    And upsmon notified NOCOMM at least 1 time
    And the host did not shut down

  @two-ups
  Scenario: MINSUPPLIES 1 with two UPS: one failing is not enough
    Given a second UPS "backup" simulated as an Ellipse ECO 650 at 40% load
    And upsmon monitors "backup@localhost" as primary
    And this upsmon.conf line: "MINSUPPLIES 1"
    When mains power fails on "eaton"
    And the lab runs for 20 minutes
    Then upsmon notified LOWBATT at least 1 time
    And the host did not shut down

  @two-ups
  Scenario: MINSUPPLIES 2 with two UPS: one failing shuts down
    Given a second UPS "backup" simulated as an Ellipse ECO 650 at 40% load
    And upsmon monitors "backup@localhost" as primary
    And this upsmon.conf line: "MINSUPPLIES 2"
    When mains power fails on "eaton"
    And the lab runs until the host shuts down
    Then the host shut down

  Scenario: A battery that needs replacing warns every RBWARNTIME
    Given this upsmon.conf line: "RBWARNTIME 3600"
    When the battery needs replacing
    And 150 minutes pass
    Then upsmon notified REPLBATT 3 times
    And the host did not shut down

  Scenario: An aged battery runs low much sooner
    Given the battery health is 40%
    When mains power fails
    And the lab runs until the host shuts down
    Then low battery came between 1 and 6 minutes after the outage

  # Also run as real processes in real time (tests/faithful), real NUT
  # 2.8.0's upsmon included: a battery nearly flat under a heavy load runs
  # low in seconds.
  @realtime
  Scenario: A nearly flat battery runs low and the host shuts down (real-time timings)
    Given the battery charge is 25% with a 90% load
    And this upsmon.conf:
      """
      POLLFREQ 1
      POLLFREQALERT 1
      FINALDELAY 1
      NOTIFYCMD notify
      NOTIFYFLAG ONBATT SYSLOG+EXEC
      NOTIFYFLAG LOWBATT SYSLOG+EXEC
      NOTIFYFLAG SHUTDOWN SYSLOG+EXEC
      """
    When 2 seconds pass
    And mains power fails
    And the lab runs until the host shuts down
    Then the notifications were, in order:
      | ONBATT   |
      | LOWBATT  |
      | SHUTDOWN |
    And upsmon notified LOWBATT 1 time
    And the host shut down
    And POWERDOWNFLAG was written
    And SHUTDOWNCMD ran after low battery within 10 seconds
    And the primary shut down at most 5 seconds after setting FSD

  @realtime @cable
  Scenario: A UPS lost while on battery is declared dead after DEADTIME (real-time timings)
    Given this upsmon.conf:
      """
      POLLFREQ 1
      POLLFREQALERT 1
      DEADTIME 4
      FINALDELAY 1
      NOTIFYCMD notify
      NOTIFYFLAG ONBATT SYSLOG+EXEC
      NOTIFYFLAG COMMBAD SYSLOG+EXEC
      NOTIFYFLAG SHUTDOWN SYSLOG+EXEC
      """
    When 2 seconds pass
    And mains power fails
    And 3 seconds pass
    And the UPS cable is pulled
    And the lab runs until the host shuts down
    Then the notifications were, in order:
      | ONBATT   |
      | COMMBAD  |
      | SHUTDOWN |
    And the host shut down
    And upsmon logged "Promoting dead UPS"
