/**
 * Environment-switch scenarios (DESIGN.md §4): a YAML file names an env and a list of phases, each
 * a number of env steps and the perturbation applied at its start ({@link Scenario}); a run seed
 * turns it into concrete perturbations ({@link ScenarioPlan}).
 */
package dev.isoplast.envs.scenario;
