import { jestConfig } from '@switchyard/jest-config';

export default jestConfig();
